package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestAnalyze checks the stand-in for autovacuum's analysis: tables that grew
// past autovacuum's threshold are analysed, and once analysed they are left
// alone until they change again.
func TestAnalyze(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	db := open(t, url)
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		name := fmt.Sprintf("u%d@example.com", i)
		if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: name, Active: true, Doc: map[string]any{"userName": name}}); err != nil {
			t.Fatal(err)
		}
	}
	// PostgreSQL publishes a connection's table counts within about ten
	// seconds of its transactions.
	var analysed []string
	for deadline := time.Now().Add(30 * time.Second); !slices.Contains(analysed, "users") && time.Now().Before(deadline); {
		tables, err := db.Analyze(ctx)
		if err != nil {
			t.Fatal(err)
		}
		analysed = append(analysed, tables...)
		time.Sleep(200 * time.Millisecond)
	}
	if !slices.Contains(analysed, "users") || !slices.Contains(analysed, "events") {
		t.Fatalf("Analyze analysed %v, want users and events among them", analysed)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var stamped bool
	if err := conn.QueryRow(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'users'`).Scan(&stamped); err != nil || !stamped {
		t.Fatalf("users last_analyze set = %v, %v", stamped, err)
	}
	if tables, err := db.Analyze(ctx); err != nil || slices.Contains(tables, "users") {
		t.Errorf("Analyze with nothing changed = %v, %v; want users left alone", tables, err)
	}
}
