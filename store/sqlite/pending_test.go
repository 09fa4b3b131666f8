package sqlite_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// TestPending reads which migrations a file lacks without applying them: none
// for a file Open migrated, the one whose record is gone when another program
// left the file behind, and ENOTFOUND (creating nothing) for a missing file.
func TestPending(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	if _, err := sqlite.Pending(ctx, path); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("Pending(missing file) = %v, want ENOTFOUND", err)
	}
	if _, err := sqlite.Pending(ctx, path); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("Pending created the file: the second call returned %v", err)
	}
	if _, err := sqlite.Pending(ctx, path+"?mode=memory"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("Pending(a file name with a query) = %v, want EINVALID", err)
	}
	open(t, path)
	if got, err := sqlite.Pending(ctx, path); err != nil || len(got) != 0 {
		t.Fatalf("Pending(migrated) = %v, %v; want none", got, err)
	}
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var last int64
	if err := conn.QueryRow(`SELECT max(version_id) FROM goose_db_version`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`DELETE FROM goose_db_version WHERE version_id = ?`, last); err != nil {
		t.Fatal(err)
	}
	if got, err := sqlite.Pending(ctx, path); err != nil || !slices.Equal(got, []int64{last}) {
		t.Fatalf("Pending(lacking %d) = %v, %v; want [%d]", last, got, err, last)
	}
}

// TestDatabaseTime reads SQLite's clock, this machine's.
func TestDatabaseTime(t *testing.T) {
	db := open(t, testdb.SQLitePath(t))
	got, err := db.DatabaseTime(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(got); d < -time.Minute || d > time.Minute {
		t.Errorf("DatabaseTime() = %v, %v from this machine's clock", got, d)
	}
}
