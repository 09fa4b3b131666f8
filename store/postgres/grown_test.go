package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestGrownUsers checks that creating users past autovacuum's threshold (50
// on a new table) signals the analysis stand-in, and that its analysis makes
// the table's size known to the planner and starts the count over.
func TestGrownUsers(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, testdb.Postgres(t), Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.grown = &grownUsers{kick: make(chan struct{}, 1)} // as Open sets it for a server, without the loop
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	create := func(i int) {
		name := fmt.Sprintf("u%d@example.com", i)
		if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: name, Active: true, Doc: map[string]any{"userName": name}}); err != nil {
			t.Fatal(err)
		}
	}
	// crossing creates n users and checks that only the last of them
	// signals an analysis: n is the threshold.
	next := 0
	crossing := func(n int, after string) {
		t.Helper()
		for range n - 1 {
			create(next)
			next++
		}
		if len(db.grown.kick) != 0 {
			t.Fatalf("%d creates %s signalled an analysis; the threshold is %d", n-1, after, n)
		}
		create(next)
		next++
		if len(db.grown.kick) != 1 {
			t.Fatalf("%d creates %s did not signal an analysis", n, after)
		}
	}
	crossing(50, "on a new table")
	reltuples := func() float64 {
		var n float64
		if err := db.pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := reltuples(); n >= 0 {
		t.Fatalf("users reltuples before the analysis = %v, want -1 (never analysed)", n)
	}
	if err := db.analyzeUsers(ctx); err != nil {
		t.Fatal(err)
	}
	if n := reltuples(); n != 50 || db.grown.rows.Load() != 50 || db.grown.created.Load() != 0 {
		t.Fatalf("after the analysis: reltuples %v, rows %d, created %d; want 50, 50, 0", n, db.grown.rows.Load(), db.grown.created.Load())
	}
	<-db.grown.kick
	crossing(55, "after the analysis of 50 rows") // 50 + 10% of 50
}
