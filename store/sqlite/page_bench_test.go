package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// BenchmarkPageDepth reads a page of 100 users near the start and near the end
// of a tenant of 100,000: by offset (startIndex) and by cursor (the keyset the
// SCIM server sends for RFC 9865 cursors).
func BenchmarkPageDepth(b *testing.B) {
	db := openInternal(b)
	ctx := context.Background()
	tn := &roster.Tenant{ID: "t", Name: "t"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	const n = 100000
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := db.conn.ExecContext(ctx, `
		WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < ?)
		INSERT INTO users (tenant_id, id, user_name, active, doc, version, created, modified)
		SELECT 't', printf('u%06d', k), printf('user%06d@example.com', k), 1,
			json_object('userName', printf('user%06d@example.com', k)), 1,
			strftime('%Y-%m-%dT%H:%M:%f000000Z', ?, '+' || k || ' seconds'), ?
		FROM i`, n, base.Format("2006-01-02 15:04:05"), formatTime(base))
	if err != nil {
		b.Fatal(err)
	}
	resolve := func(p filter.AttrPath) (filter.Attr, bool) {
		if p.Name == "meta" {
			return filter.Attr{Type: filter.DateTime}, true
		}
		return filter.Attr{Type: filter.String, CaseExact: true}, true
	}
	keyset := func(k int) filter.Expr {
		at := base.Add(time.Duration(k) * time.Second).Format(time.RFC3339Nano)
		e, err := filter.Parse(fmt.Sprintf(`meta.created ge %q and (meta.created gt %q or id gt "u%06d")`, at, at, k))
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	for _, tc := range []struct {
		name string
		q    roster.Query
	}{
		{"offset/start", roster.Query{StartIndex: 1, Count: 100}},
		{"offset/end", roster.Query{StartIndex: n - 99, Count: 100}},
		{"cursor/start", roster.Query{Filter: keyset(1), Resolve: resolve, Cursor: true, StartIndex: 1, Count: 101}},
		{"cursor/end", roster.Query{Filter: keyset(n - 100), Resolve: resolve, Cursor: true, StartIndex: 1, Count: 101}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				us, _, err := db.Users(ctx, "t", tc.q)
				if err != nil || len(us) < 99 {
					b.Fatalf("Users = %d, %v", len(us), err)
				}
			}
		})
	}
}

// BenchmarkLargeGroup adds batches of 100 members to a group of 1,000 and to
// one of 100,000 (the cost must follow the batch, not the group), and runs
// Entra's membership check on the large one.
func BenchmarkLargeGroup(b *testing.B) {
	db := openInternal(b)
	ctx := context.Background()
	if err := db.CreateTenant(ctx, &roster.Tenant{ID: "t", Name: "t"}); err != nil {
		b.Fatal(err)
	}
	const users = 120000
	now := formatTime(time.Now())
	for _, stmt := range []string{
		`WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < ?)
		INSERT INTO users (tenant_id, id, user_name, active, doc, version, created, modified)
		SELECT 't', printf('u%06d', k), printf('user%06d@example.com', k), 1, '{}', 1, ?, ? FROM i`,
		`INSERT INTO groups (tenant_id, id, display_name, doc, version, created, modified) VALUES
			('t', 'small', 'Small', '{}', 1, ?2, ?2), ('t', 'large', 'Large', '{}', 1, ?2, ?2)`,
	} {
		args := []any{users, now, now}
		if strings.Contains(stmt, "groups") {
			args = []any{nil, now}
		}
		if _, err := db.conn.ExecContext(ctx, stmt, args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.conn.ExecContext(ctx, `
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT 't', CASE WHEN rowid <= 1000 THEN 'small' ELSE 'large' END, id, 'User' FROM users
		WHERE rowid <= 1000 OR rowid BETWEEN 1001 AND 101000`); err != nil {
		b.Fatal(err)
	}
	batch := func(i int) []string {
		ids := make([]string, 100)
		for k := range ids {
			ids[k] = fmt.Sprintf("u%06d", 101001+(i*100+k)%(users-101000))
		}
		return ids
	}
	for _, group := range []string{"small", "large"} {
		b.Run("add100/"+group, func(b *testing.B) {
			i := 0
			for b.Loop() {
				ids := batch(i)
				i++
				if err := db.UpdateGroup(ctx, "t", &roster.Group{ID: group}, false,
					[]roster.MemberChange{{Op: roster.MembersAdd, IDs: ids}}, 0); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := db.UpdateGroup(ctx, "t", &roster.Group{ID: group}, false,
					[]roster.MemberChange{{Op: roster.MembersRemove, IDs: ids}}, 0); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
	resolve := func(p filter.AttrPath) (filter.Attr, bool) {
		return filter.Attr{Type: filter.String, CaseExact: true, MultiValued: p.Name == "members"}, true
	}
	b.Run("membership-check/large", func(b *testing.B) {
		e, err := filter.Parse(`id eq "large" and members[value eq "u050000"]`)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			_, total, err := db.Groups(ctx, "t", roster.Query{Filter: e, Resolve: resolve, StartIndex: 1, Count: 100, WithoutMembers: true})
			if err != nil || total != 1 {
				b.Fatalf("Groups = %d, %v", total, err)
			}
		}
	})
	b.Run("get-without-members/large", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Group(ctx, "t", "large", true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
