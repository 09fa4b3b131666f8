package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/scim/filter"
)

func openInternal(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), testdb.SQLitePath(t), Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPragmas checks the settings every connection must run with.
func TestPragmas(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name, pragma string
		want         string
	}{
		{"write journal_mode", "journal_mode", "wal"},
		{"write synchronous", "synchronous", "2"},
		{"write foreign_keys", "foreign_keys", "1"},
		{"write busy_timeout", "busy_timeout", "10000"},
	} {
		var got string
		if err := db.conn.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("%s: PRAGMA %s = %q, %v; want %q", tt.name, tt.pragma, got, err, tt.want)
		}
		if err := db.read.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("read %s: PRAGMA %s = %q, %v; want %q", tt.name, tt.pragma, got, err, tt.want)
		}
	}
	// The writer's ANALYZE samples indexes rather than reading them whole,
	// which made the first start after a large import take seconds.
	var limit int
	if err := db.conn.QueryRowContext(ctx, "PRAGMA analysis_limit").Scan(&limit); err != nil || limit != 400 {
		t.Errorf("write: PRAGMA analysis_limit = %d, %v; want 400", limit, err)
	}
	if _, err := db.read.ExecContext(ctx, `INSERT INTO tenants (id, name, created) VALUES ('x', 'x', 'x')`); err == nil {
		t.Errorf("a write through the read pool succeeded, want query_only")
	}
}

// TestFilterPlans checks that the filters Entra sends are served from indexes:
// SQLite's plan for the count query searches an index and scans nothing.
func TestFilterPlans(t *testing.T) {
	db := openInternal(t)
	tests := []struct {
		name, filter string
		m            *mapping
		table, index string
	}{
		{"userName", `userName eq "a@example.com"`, &userMapping, "users", "users_user_name"},
		{"externalId", `externalId eq "x"`, &userMapping, "users", "users_external_id"},
		{"user displayName", `displayName eq "Alice"`, &userMapping, "users", "users_display_name"},
		{"user id", `id eq "u"`, &userMapping, "users", "sqlite_autoindex_users_1"},
		{"active", `active eq false`, &userMapping, "users", "users_active"},
		{"emails", `emails eq "a@example.com"`, &userMapping, "users", "user_emails_value"},
		{"emails.value", `emails.value eq "a@example.com"`, &userMapping, "users", "user_emails_value"},
		{"emails value path", `emails[type eq "work" and value eq "a@example.com"]`, &userMapping, "users", "user_emails_value"},
		{"emails value path compared", `emails[type eq "work"].value eq "a@example.com"`, &userMapping, "users", "user_emails_value"},
		{"group displayName", `displayName eq "Sales"`, &groupMapping, "groups", "groups_display_name"},
		{"group externalId", `externalId eq "x"`, &groupMapping, "groups", "groups_external_id"},
		{"members value path", `members[value eq "u"]`, &groupMapping, "groups", "group_members_member"},
		{"members.value", `members.value eq "u"`, &groupMapping, "groups", "group_members_member"},
		{"not emails", `userName eq "a" and not (emails.value eq "a@example.com")`, &userMapping, "users", "user_emails_value"},
		{"Entra membership check", `id eq "g" and members[value eq "u"]`, &groupMapping, "groups", "sqlite_autoindex_groups_1"},
	}
	resolve := func(p filter.AttrPath) (filter.Attr, bool) {
		switch strings.ToLower(p.Name) {
		case "active":
			return filter.Attr{Type: filter.Boolean}, true
		case "id", "externalid":
			return filter.Attr{Type: filter.String, CaseExact: true}, true
		case "emails", "members":
			if p.Sub == "" {
				return filter.Attr{Type: filter.Complex, MultiValued: true}, true
			}
			return filter.Attr{Type: filter.String, MultiValued: true, CaseExact: strings.EqualFold(p.Name, "members")}, true
		}
		return filter.Attr{Type: filter.String}, true
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := filter.Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.filter, err)
			}
			where, args, err := tt.m.where(roster.Query{Filter: e, Resolve: resolve})
			if err != nil {
				t.Fatalf("where(%q) = %v", tt.filter, err)
			}
			plan := explain(t, db, `SELECT count(*) FROM `+tt.table+` r WHERE r.tenant_id = ? AND (`+where+`)`, append([]any{"t"}, args...))
			if !strings.Contains(plan, tt.index) || walks(plan) {
				t.Errorf("plan of %q:\n%s\nwant a search of %s and no walk of the tenant", tt.filter, plan, tt.index)
			}
			// The page query must search the same index, not walk the tenant in created order.
			q := roster.Query{Filter: e, Resolve: resolve}
			order, _ := tt.m.orderBy(q)
			plan = explain(t, db, `SELECT r.* FROM `+tt.table+` r WHERE r.tenant_id = ? AND (`+where+`) ORDER BY `+order+` LIMIT 10`, append([]any{"t"}, args...))
			if !strings.Contains(plan, tt.index) || walks(plan) || strings.Contains(plan, "_created") {
				t.Errorf("page plan of %q:\n%s\nwant a search of %s, no scan, no walk of the created index", tt.filter, plan, tt.index)
			}
		})
	}
}

// walks reports whether a plan reads whole tables or a whole tenant of the
// resource table r: a SCAN, or a search of r by tenant_id alone.
func walks(plan string) bool {
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, "SCAN ") ||
			strings.HasPrefix(line, "SEARCH r ") && strings.HasSuffix(line, "(tenant_id=?)") {
			return true
		}
	}
	return false
}

func explain(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.read.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}

// TestCursorPagePlan checks that a cursor page (RFC 9865) starts in the
// creation index at the cursor: a range of it, not a walk from the start of
// the tenant, and no sort.
func TestCursorPagePlan(t *testing.T) {
	db := openInternal(t)
	e, err := filter.Parse(`meta.created ge "2026-01-02T03:04:05.123456Z" and (meta.created gt "2026-01-02T03:04:05.123456Z" or id gt "u")`)
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(p filter.AttrPath) (filter.Attr, bool) {
		if strings.EqualFold(p.Name, "meta") {
			return filter.Attr{Type: filter.DateTime}, true
		}
		return filter.Attr{Type: filter.String, CaseExact: true}, true
	}
	q := roster.Query{Filter: e, Resolve: resolve, Cursor: true}
	where, args, err := userMapping.where(q)
	if err != nil {
		t.Fatal(err)
	}
	order, _ := userMapping.orderBy(q)
	plan := explain(t, db, `SELECT r.* FROM users r WHERE r.tenant_id = ? AND (`+where+`) ORDER BY `+order+` LIMIT 11`, append([]any{"t"}, args...))
	if !strings.Contains(plan, "users_created_live (tenant_id=? AND created>?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("cursor page plan:\n%s\nwant a range of users_created_live from the cursor and no sort", plan)
	}
}

// TestHeldPagePlan checks that a page of held operations is a range of
// removals_held_seq from where the previous page ended: no sort of every
// operation held.
func TestHeldPagePlan(t *testing.T) {
	plan := explain(t, openInternal(t), heldPageQuery, []any{"t", "x", 51})
	if !strings.Contains(plan, "removals_held_seq (tenant_id=? AND seq>?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("held page plan:\n%s\nwant a range of removals_held_seq and no sort", plan)
	}
}

// TestPagePlans checks that the console's pages of users and groups read
// ranges of indexes the size of a page, even without the statistics of
// ANALYZE (a database that just grew has none): no walk of a tenant's users
// to find an id, an externalId or a prefix, and no search of the email index
// for each user of a walk.
func TestPagePlans(t *testing.T) {
	db := openInternal(t)
	userArgs := []any{"t", "", 51, "ada", "ada%"}
	groupArgs := []any{"t", "", "", 51, "eng", "eng%"}
	for _, tt := range []struct {
		name, query string
		args        []any
		want        []string
		never       []string
	}{
		{"users", userPageQuery, userArgs[:3],
			[]string{"users_user_name (tenant_id=? AND user_name>?)"}, []string{"TEMP B-TREE"}},
		{"users searched, few emails", fmt.Sprintf(userSearchQuery, userSearchSparse), userArgs,
			[]string{"sqlite_autoindex_users_1 (tenant_id=? AND id=?)", "users_external_id (tenant_id=? AND external_id=?)",
				"users_user_name (tenant_id=? AND user_name>? AND user_name<?)", "user_emails_value (tenant_id=? AND value>? AND value<?)"},
			[]string{"user_name>?)", "SCAN users", "SCAN e", "SCAN u"}},
		{"users searched, many emails", fmt.Sprintf(userSearchQuery, userSearchDense), userArgs,
			[]string{"users_external_id (tenant_id=? AND external_id=?)", "user_emails_user (tenant_id=? AND user_id=?)"},
			[]string{"user_emails_value", "SCAN users", "SCAN r"}},
		{"groups", groupPageQuery, groupArgs[:4],
			[]string{"groups_display_name (tenant_id=? AND display_name>?)"}, []string{"SCAN r"}},
		{"groups searched", groupSearchQuery, groupArgs,
			[]string{"sqlite_autoindex_groups_1 (tenant_id=? AND id=?)", "groups_external_id (tenant_id=? AND external_id=?)",
				"groups_display_name (tenant_id=? AND display_name>? AND display_name<?)"},
			[]string{"display_name>?)", "SCAN groups"}},
	} {
		plan := explain(t, db, tt.query, tt.args)
		for _, w := range tt.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s: plan lacks %s:\n%s", tt.name, w, plan)
			}
		}
		for _, n := range tt.never {
			if strings.Contains(plan, n) {
				t.Errorf("%s: plan has %s:\n%s", tt.name, n, plan)
			}
		}
	}
}

// TestWritePlans checks that the statements that find a member's groups on
// the write paths (a delete leaving its groups, the groups kept for a
// restore, and the user read before every PUT and PATCH) search
// group_members_member by member and read no table by tenant alone: their
// cost follows the groups the member belongs to, not the size of those
// groups or of the tenant. It checks so on a new file (no statistics) and
// after ANALYZE over a tenant with one group of 2,000 members.
func TestWritePlans(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	member := "group_members_member (tenant_id=? AND member_id=? AND member_type=?)"
	for _, analyzed := range []bool{false, true} {
		db, err := Open(ctx, path, Options{Clock: time.Now})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		for _, tt := range []struct {
			name, query string
			args        []any
		}{
			{"leave groups", leaveQuery, []any{"t", "u1", "User"}},
			{"keep groups", keepQuery, []any{"t", "u1"}},
			{"user by id", userByIDQuery, []any{"t", "u1"}},
			{"user doc by id", userDocQuery, []any{"t", "u1"}},
			{"retire group", retireGroupQuery, []any{"t", "g2", "2026-01-01T00:00:00.000000000Z"}},
		} {
			plan := explain(t, db, tt.query, tt.args)
			if !strings.Contains(plan, member) || walksTenant(plan) {
				t.Errorf("%s (analyzed %v): plan\n%s\nwant a search of %s and no read of a tenant's rows", tt.name, analyzed, plan, member)
			}
		}
		if !analyzed {
			seedBigGroup(t, db)
		}
		db.Close()
	}
}

// walksTenant reports whether a plan reads a whole table, or every row of a
// tenant in an index or a table: a SCAN of anything but a JSON array or a
// subquery's rows, or a search by tenant_id alone.
func walksTenant(plan string) bool {
	for _, line := range strings.Split(plan, "\n") {
		_, scanned, scan := strings.Cut(line, "SCAN ")
		if scan && !strings.HasPrefix(scanned, "json_each") && scanned != "x" {
			return true
		}
		if strings.HasSuffix(line, "(tenant_id=?)") {
			return true
		}
	}
	return false
}

// seedBigGroup fills tenant t with 2,000 users, all members of group g1,
// and 20 more groups of 10 members, then gathers the planner's statistics
// as Open keeps them (sqlite_stat1, no sqlite_stat4).
func seedBigGroup(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range []string{
		`INSERT INTO tenants (id, name, created) VALUES ('t', 't', '2026-01-01T00:00:00.000000000Z')`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
		INSERT INTO users (tenant_id, id, user_name, version, created, modified)
		SELECT 't', 'u' || i, 'user' || i || '@example.com', 1, '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z' FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 21)
		INSERT INTO groups (tenant_id, id, display_name, version, created, modified)
		SELECT 't', 'g' || i, 'Group ' || i, 1, '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z' FROM n`,
		`INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT 't', 'g1', id, 'User' FROM users`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT 't', 'g' || (2 + i % 20), 'u' || i, 'User' FROM n`,
		`ANALYZE`,
	} {
		if _, err := db.conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := dropStat4(ctx, db.conn); err != nil {
		t.Fatal(err)
	}
}

// TestUnfilteredCountPlan checks that an unfiltered page of users or groups
// (Okta's Test Connection and import, every console list) reads its
// totalResults from the tenant's row of tenant_counts, not from a walk of the
// tenant's users or groups, whose cost grows with the tenant.
func TestUnfilteredCountPlan(t *testing.T) {
	db := openInternal(t)
	for _, tt := range []struct {
		name  string
		table string
		m     *mapping
	}{
		{"users", "users", &userMapping},
		{"groups", "groups", &groupMapping},
	} {
		q := roster.Query{StartIndex: 1, Count: 100}
		where, _, err := tt.m.where(q)
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, db, tt.m.countQuery(tt.table, where, q), []any{"t"})
		if !strings.Contains(plan, "SEARCH tenant_counts USING INDEX sqlite_autoindex_tenant_counts_1 (tenant_id=?)") ||
			strings.Contains(plan, tt.table+" ") || walks(plan) {
			t.Errorf("%s: count plan:\n%s\nwant one search of tenant_counts and no read of %s", tt.name, plan, tt.table)
		}
	}
}
