package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// BenchmarkPageDepth reads a page of 100 users near the start and near the end
// of a tenant of 20,000: by offset (startIndex) and by cursor (the keyset the
// SCIM server sends for RFC 9865 cursors).
func BenchmarkPageDepth(b *testing.B) {
	db := openInternal(b)
	ctx := context.Background()
	tn := &roster.Tenant{ID: "t", Name: "t"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	const n = 20000
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
