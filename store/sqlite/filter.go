package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// mapping says how the attributes of one resource type are stored: the hot
// columns that filters and sortBy are served from, and the side tables.
type mapping struct {
	coreURN string
	// columns maps a lower-case top-level path ("username", "meta.created") to its column of r.
	columns map[string]string
	// emails is set for users: sorting by emails uses the primary (else first) address.
	emails bool
	// live, when set, is the condition a resource must meet to be listed
	// unless the query asks for retired ones too (roster.Query.Retired).
	live string
	// counted is the column of tenant_counts (migration 00024) that holds
	// how many resources of a tenant an unfiltered list of live ones has.
	counted string
	// filter tells filter.Compile where each attribute is stored.
	filter *filter.Mapping
}

var userMapping = mapping{
	coreURN: filter.UserURN,
	columns: map[string]string{
		"id":                "r.id",
		"username":          "r.user_name",
		"externalid":        "r.external_id",
		"displayname":       "r.display_name",
		"active":            "r.active",
		"meta.created":      "r.created",
		"meta.lastmodified": "r.modified",
	},
	emails:  true,
	live:    "r.retired IS NULL",
	counted: "users",
	filter: &filter.Mapping{
		Doc: "r.doc",
		Columns: map[string]filter.Column{
			"id":                {Name: "r.id", Type: filter.String},
			"userName":          {Name: "r.user_name", Type: filter.String, NoCase: true},
			"externalId":        {Name: "r.external_id", Type: filter.String},
			"displayName":       {Name: "r.display_name", Type: filter.String, NoCase: true},
			"active":            {Name: "r.active", Type: filter.Boolean},
			"meta.created":      {Name: "r.created", Type: filter.DateTime, Layout: timeFormat},
			"meta.lastModified": {Name: "r.modified", Type: filter.DateTime, Layout: timeFormat},
		},
		Tables: map[string]filter.Table{
			"emails": {
				From:  "user_emails e",
				Where: tenantParam("e"),
				Key:   "r.id",
				Ref:   "e.user_id",
				Cols: map[string]filter.Column{
					"value":   {Name: "e.value", Type: filter.String, NoCase: true},
					"type":    {Name: "e.type", Type: filter.String},
					"primary": {Name: "e.is_primary", Type: filter.Boolean},
				},
			},
		},
	},
}

var groupMapping = mapping{
	coreURN: filter.GroupURN,
	counted: "groups",
	columns: map[string]string{
		"id":                "r.id",
		"displayname":       "r.display_name",
		"externalid":        "r.external_id",
		"meta.created":      "r.created",
		"meta.lastmodified": "r.modified",
	},
	filter: &filter.Mapping{
		Doc: "r.doc",
		Columns: map[string]filter.Column{
			"id":                {Name: "r.id", Type: filter.String},
			"displayName":       {Name: "r.display_name", Type: filter.String, NoCase: true},
			"externalId":        {Name: "r.external_id", Type: filter.String},
			"meta.created":      {Name: "r.created", Type: filter.DateTime, Layout: timeFormat},
			"meta.lastModified": {Name: "r.modified", Type: filter.DateTime, Layout: timeFormat},
		},
		Tables: map[string]filter.Table{
			"members": {
				From:  "group_members m",
				Where: tenantParam("m"),
				Key:   "r.id",
				Ref:   "m.group_id",
				Cols: map[string]filter.Column{
					"value": {Name: "m.member_id", Type: filter.String},
					"type":  {Name: "m.member_type", Type: filter.String},
				},
			},
		},
	},
}

// list reads the page of q over table (aliased r), each row through scan, and
// returns it with the number of resources that match (-1 for a cursor page).
// Count 0 reads only the total.
//
// The page and its total come from one snapshot: tx's, or, when tx is nil, one
// list takes for itself. A cursor page, and a first filtered page that comes
// back short (Entra's lookups: 0 or 1 result, whose length is the total), are
// a single statement, which needs no transaction and no count.
func list[T any](ctx context.Context, db *DB, tx *sql.Tx, table, columns string, m *mapping, tenantID string, q roster.Query, scan func(scanner) (T, error)) ([]T, int, error) {
	where, args, err := m.where(q)
	if err != nil {
		return nil, 0, err
	}
	args = append([]any{tenantID}, args...)
	countSQL := m.countQuery(table, where, q)
	order, orderArgs := m.orderBy(q)
	offset := max(q.StartIndex, 1) - 1
	pageSQL := `SELECT ` + columns + ` FROM ` + table + ` r WHERE r.tenant_id = ? AND (` + where + `)
		ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	pageArgs := append(append(slices.Clip(args), orderArgs...), q.Count, offset)
	if tx == nil && q.Count > 0 && (q.Cursor || offset == 0 && q.Filter != nil) {
		items, err := page(ctx, db, nil, pageSQL, pageArgs, scan)
		if err != nil || q.Cursor {
			return items, -1, err
		}
		if len(items) < q.Count {
			return items, len(items), nil
		}
		// A full page: read it again with its count, in one snapshot.
	}
	if tx == nil {
		if tx, err = db.beginRead(ctx); err != nil {
			return nil, 0, err
		}
		defer rollback(tx)
	}
	total := -1
	// Other pages count first, so that a page past the end is not read.
	countFirst := !q.Cursor && (offset > 0 || q.Count <= 0)
	if countFirst {
		if total, err = db.count(ctx, tx, countSQL, args); err != nil {
			return nil, 0, err
		}
		if q.Count <= 0 || offset >= total {
			return nil, total, nil
		}
	}
	items, err := page(ctx, db, tx, pageSQL, pageArgs, scan)
	switch {
	case err != nil:
		return nil, 0, err
	case q.Cursor || countFirst:
		return items, total, nil
	case len(items) < q.Count:
		return items, len(items), nil
	}
	total, err = db.count(ctx, tx, countSQL, args)
	return items, total, err
}

// countQuery returns the query that counts the resources of table matching
// where, the list's condition, for q. Without a filter it reads the tenant's
// figure from tenant_counts, which triggers keep in the transaction of every
// write (migration 00024), instead of counting the tenant's rows: one row
// whatever the tenant's size, where the count took 550 ms at a million users.
// Either way its only argument without a filter is the tenant id.
func (m *mapping) countQuery(table, where string, q roster.Query) string {
	if q.Filter == nil && (m.live == "" || !q.Retired) {
		return `SELECT ` + m.counted + ` FROM tenant_counts WHERE tenant_id = ?`
	}
	return `SELECT count(*) FROM ` + table + ` r WHERE r.tenant_id = ? AND (` + where + `)`
}

// page runs a page query in tx (nil: on the read pool) and scans its rows.
func page[T any](ctx context.Context, db *DB, tx *sql.Tx, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := db.query(ctx, tx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []T
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, rows.Err()
}

// count runs a count(*) query.
func (db *DB) count(ctx context.Context, tx *sql.Tx, query string, args []any) (int, error) {
	rows, err := db.query(ctx, tx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// orderBy returns the ORDER BY list for q: the sortBy attribute (absent values
// last, strings compared as the attribute's caseExact says), then created and id
// so that pages are stable.
//
// With a filter, the created terms carry a unary "+": it keeps SQLite from
// walking the (tenant_id, created) index to avoid a sort, which scans the whole
// tenant, when the filter's own index (externalId, emails…) finds a few rows.
// Without a filter, walking that index is the best plan.
func (m *mapping) orderBy(q roster.Query) (string, []any) {
	stable := "r.created, r.id"
	if q.Filter != nil && !q.Cursor {
		// A cursor page walks the creation index from the cursor on: the
		// keyset condition is its range.
		stable = "+r.created, +r.id"
	}
	if q.SortBy.Name == "" {
		if q.SortDesc {
			return strings.ReplaceAll(stable, ",", " DESC,") + " DESC", nil
		}
		return stable, nil
	}
	expr, args := m.sortExpr(q)
	dir := ""
	if q.SortDesc {
		dir = " DESC"
	}
	return fmt.Sprintf("(%s) IS NULL, %s%s, %s", expr, expr, dir, stable), append(args, args...)
}

// sortExpr returns the SQL value a resource is sorted by.
func (m *mapping) sortExpr(q roster.Query) (string, []any) {
	p := q.SortBy
	if q.Canonical != nil {
		p = q.Canonical(p)
	}
	top := p.URN == "" || strings.EqualFold(p.URN, m.coreURN)
	if top {
		key := strings.ToLower(p.Name)
		if p.Sub != "" {
			key += "." + strings.ToLower(p.Sub)
		}
		if col, ok := m.columns[key]; ok {
			return col, nil
		}
		// RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value.
		if m.emails && (key == "emails" || key == "emails.value") {
			return `(SELECT e.value FROM user_emails e WHERE e.tenant_id = r.tenant_id AND e.user_id = r.id
				ORDER BY e.is_primary DESC, e.value LIMIT 1) COLLATE NOCASE`, nil
		}
	}
	expr := "json_extract(r.doc, ?)"
	if a, ok := resolve(q.Resolve, p); !ok || (a.Type == filter.String && !a.CaseExact) {
		expr += " COLLATE NOCASE"
	}
	return expr, []any{jsonPath(p, top)}
}

func resolve(r filter.Resolver, p filter.AttrPath) (filter.Attr, bool) {
	if r == nil {
		return filter.Attr{}, false
	}
	return r(p)
}

// jsonPath returns the SQLite JSON path of p in a document: `$."urn"."name"."sub"`.
// Keys are quoted, with '"' and '\' escaped, so no input can leave the label.
func jsonPath(p filter.AttrPath, top bool) string {
	var b strings.Builder
	b.WriteString("$")
	if !top {
		writeLabel(&b, p.URN)
	}
	writeLabel(&b, p.Name)
	if p.Sub != "" {
		writeLabel(&b, p.Sub)
	}
	return b.String()
}

func writeLabel(b *strings.Builder, key string) {
	b.WriteString(`."`)
	for i := 0; i < len(key); i++ {
		if c := key[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(key[i])
	}
	b.WriteByte('"')
}

// tenantParam scopes side table alias to the tenant by the query's first
// placeholder: every list query starts "WHERE r.tenant_id = ?", and SQLite's ?1
// names that parameter again without taking a new one. Side-table conditions
// then compile to uncorrelated semi-joins (filter.Table Key and Ref) that start
// from the side table's (tenant_id, value) index.
func tenantParam(alias string) string {
	return alias + ".tenant_id = ?1"
}

// where compiles q.Filter to a condition on r, joined to the mapping's live
// condition unless q.Retired; no filter matches everything. A filter that
// cannot be served is EINVALIDFILTER. The condition's placeholders follow the
// tenant id, which must be the query's first argument.
//
// The live condition is written beside the filter's, so that the userName
// index, which holds live users only, serves Entra's lookups.
func (m *mapping) where(q roster.Query) (string, []any, error) {
	live := m.live
	if q.Retired {
		live = ""
	}
	if q.Filter == nil {
		return cmp.Or(live, "1"), nil, nil
	}
	fm := *m.filter
	fm.Canonical = q.Canonical
	// The tenant id is the first argument; SQLite placeholders are not numbered.
	where, args, err := filter.Compile(q.Filter, &fm, q.Resolve, filter.SQLite, 1)
	if err != nil {
		var fe *filter.Error
		if errors.As(err, &fe) {
			return "", nil, &roster.Error{Code: roster.EINVALIDFILTER, Detail: fe.Error()}
		}
		return "", nil, fmt.Errorf("compile filter: %w", err)
	}
	if live != "" {
		where = live + " AND (" + where + ")"
	}
	return where, args, nil
}
