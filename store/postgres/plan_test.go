package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/scim/filter"
)

// seedSQL fills two tenants with 4000 users each (one in 50 inactive), two
// emails per user and 200 groups of 20 members, then refreshes statistics, so
// that the planner chooses as it would in production.
const seedSQL = `
INSERT INTO tenants (id, name, created) VALUES ('t', 't', now()), ('o', 'o', now());
INSERT INTO users (tenant_id, id, user_name, external_id, display_name, active, doc, version, created, modified)
SELECT t, 'u' || i, 'user' || i || '@example.com', 'x' || i, 'User ' || i, i % 50 <> 0,
	jsonb_build_object('userName', 'user' || i || '@example.com', 'title', 'T' || (i % 7)), 1,
	now() + i * interval '1 ms', now()
FROM unnest(ARRAY['t', 'o']) AS t, generate_series(1, 4000) AS i;
INSERT INTO user_emails (tenant_id, user_id, ord, value, type, is_primary)
SELECT tenant_id, id, n, n || '.' || user_name, CASE n WHEN 1 THEN 'work' ELSE 'home' END, n = 1
FROM users, generate_series(1, 2) AS n;
INSERT INTO groups (tenant_id, id, display_name, external_id, doc, version, created, modified)
SELECT t, 'g' || i, 'Group ' || i, 'gx' || i, '{}', 1, now() + i * interval '1 ms', now()
FROM unnest(ARRAY['t', 'o']) AS t, generate_series(1, 200) AS i;
INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
SELECT t, 'g' || g, 'u' || (g * 20 + k), 'User'
FROM unnest(ARRAY['t', 'o']) AS t, generate_series(1, 190) AS g, generate_series(1, 20) AS k;
ANALYZE;
`

// TestFilterPlans checks that the filters Entra sends are served from indexes:
// PostgreSQL's plans for the count and page queries use the attribute's index
// and scan no table sequentially.
func TestFilterPlans(t *testing.T) {
	db, err := Open(context.Background(), testdb.Postgres(t), Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, seedSQL); err != nil {
		t.Fatalf("seed: %v", err)
	}
	tests := []struct {
		name, filter string
		m            *mapping
		table, index string
	}{
		{"userName", `userName eq "User17@Example.com"`, &userMapping, "users", "users_user_name"},
		{"externalId", `externalId eq "x17"`, &userMapping, "users", "users_external_id"},
		{"user displayName", `displayName eq "user 17"`, &userMapping, "users", "users_display_name"},
		{"user id", `id eq "u17"`, &userMapping, "users", "users_pkey"},
		{"emails", `emails eq "1.user17@example.com"`, &userMapping, "users", "user_emails_value"},
		{"emails.value", `emails.value eq "1.user17@example.com"`, &userMapping, "users", "user_emails_value"},
		{"emails value path", `emails[type eq "work" and value eq "1.user17@example.com"]`, &userMapping, "users", "user_emails_value"},
		{"emails value path compared", `emails[type eq "work"].value eq "1.user17@example.com"`, &userMapping, "users", "user_emails_value"},
		{"group displayName", `displayName eq "group 17"`, &groupMapping, "groups", "groups_display_name"},
		{"group externalId", `externalId eq "gx17"`, &groupMapping, "groups", "groups_external_id"},
		{"members value path", `members[value eq "u345"]`, &groupMapping, "groups", "group_members_member"},
		{"members.value", `members.value eq "u345"`, &groupMapping, "groups", "group_members_member"},
		{"Entra membership check", `id eq "g17" and members[value eq "u345"]`, &groupMapping, "groups", "groups_pkey"},
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
			q := roster.Query{Filter: e, Resolve: resolve}
			where, args, err := tt.m.where(q)
			if err != nil {
				t.Fatalf("where(%q) = %v", tt.filter, err)
			}
			args = append([]any{"t"}, args...)
			count := `SELECT count(*) FROM ` + tt.table + ` r WHERE r.tenant_id = $1 AND (` + where + `)`
			var n int
			if err := db.pool.QueryRow(ctx, count, args...).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%q matches %d resources (%v), want 1", tt.filter, n, err)
			}
			if plan := explain(t, db, count, args); !strings.Contains(plan, tt.index) || strings.Contains(plan, "Seq Scan") {
				t.Errorf("plan of %q:\n%s\nwant a scan of %s and no sequential scan", tt.filter, plan, tt.index)
			}
			order, pageArgs := tt.m.orderBy(q, args)
			page := `SELECT r.* FROM ` + tt.table + ` r WHERE r.tenant_id = $1 AND (` + where + `) ORDER BY ` + order + ` LIMIT 10`
			if plan := explain(t, db, page, pageArgs); !strings.Contains(plan, tt.index) || strings.Contains(plan, "Seq Scan") {
				t.Errorf("page plan of %q:\n%s\nwant a scan of %s and no sequential scan", tt.filter, plan, tt.index)
			}
		})
	}
}

func explain(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	return b.String()
}

// TestWritePlans checks that the statements that find a member's groups on
// the write paths (a delete leaving its groups, the groups kept for a
// restore, and the user read before every PUT and PATCH) search
// group_members_member by member, member type included, and scan no table
// sequentially: their cost follows the groups the member belongs to, not the
// size of those groups or of the tenant. (The seed holds no unique values:
// PostgreSQL reads that empty table sequentially, which costs nothing.)
func TestWritePlans(t *testing.T) {
	db, err := Open(context.Background(), testdb.Postgres(t), Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.pool.Exec(context.Background(), seedSQL); err != nil {
		t.Fatalf("seed: %v", err)
	}
	for _, tt := range []struct {
		name, query string
		args        []any
	}{
		{"leave groups", leaveQuery, []any{"t", "u345", "User", time.Now()}},
		{"keep groups", keepQuery, []any{"t", "u345"}},
		{"user by id", userByIDQuery, []any{"t", "u345"}},
	} {
		plan := explain(t, db, tt.query, tt.args)
		if !memberSearch(plan) || walksTenant(plan, "group_members", "groups", "users") {
			t.Errorf("%s: plan\n%s\nwant group_members_member searched by member and type, and no read of a tenant's memberships, groups or users", tt.name, plan)
		}
	}
	// Deleting a group reads its own members by the primary key and its
	// parents through group_members_member: neither walks the tenant.
	plan := explain(t, db, retireGroupQuery, []any{"t", "g2", time.Now()})
	if !strings.Contains(plan, "using group_members_member") || walksTenant(plan, "group_members", "groups", "users") {
		t.Errorf("retire group: plan\n%s\nwant group_members_member searched, and no read of a tenant's memberships, groups or users", plan)
	}
}

// memberSearch reports whether a plan reads group_members through
// group_members_member with the member type in the index condition, and
// through no other index.
func memberSearch(plan string) bool {
	lines := strings.Split(plan, "\n")
	found := false
	for i, line := range lines {
		if !strings.Contains(line, "Scan") || !strings.Contains(line, " on group_members") {
			continue
		}
		if !strings.Contains(line, "using group_members_member") || i+1 == len(lines) ||
			!strings.Contains(lines[i+1], "Index Cond:") || !strings.Contains(lines[i+1], "member_type =") {
			return false
		}
		found = true
	}
	return found
}

// walksTenant reports whether a plan reads one of tables sequentially, or
// reads any index by tenant_id alone.
func walksTenant(plan string, tables ...string) bool {
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, "Cond: (tenant_id = ") && !strings.Contains(line, " AND ") {
			return true
		}
		for _, table := range tables {
			if strings.Contains(line, "Seq Scan on "+table+" ") {
				return true
			}
		}
	}
	return false
}

// TestUnfilteredCountPlan checks that an unfiltered page of users or groups
// (Okta's Test Connection and import, every console list) reads its
// totalResults from the tenant's slots of tenant_counts, which the triggers
// kept through the seed's bulk inserts, not from a scan of the tenant's users
// or groups, whose cost grows with the tenant.
func TestUnfilteredCountPlan(t *testing.T) {
	db, err := Open(context.Background(), testdb.Postgres(t), Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, seedSQL); err != nil {
		t.Fatalf("seed: %v", err)
	}
	for _, tt := range []struct {
		table string
		m     *mapping
		want  int
	}{
		{"users", &userMapping, 4000},
		{"groups", &groupMapping, 200},
	} {
		q := roster.Query{StartIndex: 1, Count: 100}
		where, _, err := tt.m.where(q)
		if err != nil {
			t.Fatal(err)
		}
		count := tt.m.countQuery(tt.table, where, q)
		var n int
		if err := db.pool.QueryRow(ctx, count, "t").Scan(&n); err != nil || n != tt.want {
			t.Errorf("%s: count = %d, %v; want %d", tt.table, n, err, tt.want)
		}
		plan := explain(t, db, count, []any{"t"})
		if !strings.Contains(plan, "on tenant_counts") || strings.Contains(plan, "on "+tt.table+" ") {
			t.Errorf("%s: count plan:\n%s\nwant a read of tenant_counts and none of %s", tt.table, plan, tt.table)
		}
	}
}
