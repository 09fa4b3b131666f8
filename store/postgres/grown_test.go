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
	for i := range 49 {
		create(i)
	}
	if len(db.grown.kick) != 0 {
		t.Fatalf("49 creates signalled an analysis; the threshold is 50")
	}
	create(49)
	if len(db.grown.kick) != 1 {
		t.Fatalf("50 creates did not signal an analysis")
	}
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
	for i := 50; i < 104; i++ { // 50 + 10% of 50 = 55 more
		create(i)
	}
	if len(db.grown.kick) != 0 {
		t.Fatalf("54 creates after the analysis of 50 rows signalled another; the threshold is 55")
	}
	create(104)
	if len(db.grown.kick) != 1 {
		t.Fatalf("55 creates after the analysis of 50 rows did not signal another")
	}
}
