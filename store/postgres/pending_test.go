package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/postgres"
)

// TestPending reads which migrations a database lacks without applying them:
// every one of an empty database (which it leaves empty), none once Open
// migrated it, and the one whose record is gone.
func TestPending(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	all, err := postgres.Pending(ctx, url)
	if err != nil || len(all) == 0 {
		t.Fatalf("Pending(empty database) = %v, %v; want every migration", all, err)
	}
	if again, err := postgres.Pending(ctx, url); err != nil || !slices.Equal(again, all) {
		t.Fatalf("Pending changed the database: %v, %v; then %v", all, err, again)
	}
	open(t, url)
	if got, err := postgres.Pending(ctx, url); err != nil || len(got) != 0 {
		t.Fatalf("Pending(migrated) = %v, %v; want none", got, err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	last := all[len(all)-1]
	if _, err := conn.Exec(ctx, `DELETE FROM goose_db_version WHERE version_id = $1`, last); err != nil {
		t.Fatal(err)
	}
	if got, err := postgres.Pending(ctx, url); err != nil || !slices.Equal(got, []int64{last}) {
		t.Fatalf("Pending(lacking %d) = %v, %v; want [%d]", last, got, err, last)
	}
}

// TestDatabaseTime reads the server's clock, here this machine's.
func TestDatabaseTime(t *testing.T) {
	db := open(t, testdb.Postgres(t))
	got, err := db.DatabaseTime(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(got); d < -time.Minute || d > time.Minute {
		t.Errorf("DatabaseTime() = %v, %v from this machine's clock", got, d)
	}
}
