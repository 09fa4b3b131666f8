package filter

import "strings"

// Dialect is the SQL dialect Compile writes.
type Dialect int

// Dialects.
const (
	SQLite   Dialect = iota // placeholders ?, json_extract / json_each
	Postgres                // placeholders $n, jsonb operators / jsonb_array_elements
)

// TimeLayout is the default layout of dateTime columns: RFC 3339 in UTC with a
// fixed-width fraction, so that lexical order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// Mapping says how a resource's attributes are stored. Keys of Columns and Tables are
// attribute paths in canonical spelling without core schema URN ("userName",
// "meta.created", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
// "emails"); they are matched case-insensitively. Every attribute found in neither is
// read from the JSON document column Doc.
type Mapping struct {
	// Doc is the JSON document column, e.g. "r.doc" (TEXT in SQLite, jsonb in PostgreSQL).
	Doc string
	// Columns holds single-valued attributes stored in their own column.
	Columns map[string]Column
	// Tables holds multi-valued attributes stored in a side table, one row per value.
	Tables map[string]Table
	// Canonical returns the canonical spelling of a path ("USERNAME" → "userName"); it
	// names keys of the JSON document. Nil keeps names as written.
	Canonical func(AttrPath) AttrPath
}

// Column is an attribute stored in a column.
type Column struct {
	Name string // qualified column, e.g. "r.user_name"
	// Type is the column's storage: String (text), Boolean (INTEGER 0/1 in SQLite,
	// boolean in PostgreSQL), Integer, Decimal, or DateTime (text in Layout).
	Type Type
	// NoCase says the SQLite column is declared COLLATE NOCASE, so that plain `col = ?`
	// compares case-insensitively with the index. In PostgreSQL a case-insensitive
	// comparison is written lower(col) = lower($n); index lower(col).
	NoCase bool
	// Layout is the Go time layout of a DateTime column; empty means TimeLayout.
	Layout string
}

// Table is a multi-valued attribute stored in a side table, one row per value.
//
// Without Key, a condition on its values is written as a correlated
//
//	EXISTS (SELECT 1 FROM From WHERE Where AND cond)
//
// where Where joins the outer row. With Key and Ref it is written as the semi-join
//
//	Key IN (SELECT Ref FROM From WHERE Where AND cond)
//
// and Where should not name the outer row (scope it with the caller's own
// placeholder, e.g. "e.tenant_id = ?1"): the subquery is then uncorrelated, runs
// once, and can start from an index on the side table's values instead of being
// run once per outer row. Ref must never be NULL.
type Table struct {
	From  string            // table and alias, e.g. "user_emails e"
	Where string            // join or scope condition, e.g. "e.tenant_id = r.tenant_id AND e.user_id = r.id"
	Cols  map[string]Column // sub-attribute → column, e.g. "value" → e.value; "value" serves comparisons without sub-attribute
	Key   string            // outer column the side table refers to, e.g. "r.id"
	Ref   string            // side-table column holding Key, e.g. "e.user_id"
}

// subquery returns how a condition on t's values opens ("EXISTS (" or "Key IN (")
// and the SELECT whose WHERE clause is left open for the condition.
func (t Table) subquery() (open, src string) {
	if t.Key != "" {
		return t.Key + " IN (", "SELECT " + t.Ref + " FROM " + t.From + " WHERE " + t.Where + " AND "
	}
	return "EXISTS (", "SELECT 1 FROM " + t.From + " WHERE " + t.Where + " AND "
}

func (m *Mapping) canonical(p AttrPath) AttrPath {
	if m.Canonical != nil {
		p = m.Canonical(p)
	}
	if isCoreURN(p.URN) {
		p.URN = ""
	}
	return p
}

func (m *Mapping) column(p AttrPath) (Column, bool) {
	return find(m.Columns, p.String())
}

func (m *Mapping) table(p AttrPath) (Table, bool) {
	return find(m.Tables, AttrPath{URN: p.URN, Name: p.Name}.String())
}

// find looks key up exactly, then ignoring case.
func find[V any](m map[string]V, key string) (V, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}
