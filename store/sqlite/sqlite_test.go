package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
	"github.com/rosterhq/roster/store/storetest"
)

func open(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) roster.Store {
		return open(t, testdb.SQLitePath(t))
	})
}

// TestSharedFile opens one new file from several handles at once, as the CLI and
// the server do: all of them migrate it, and each sees the others' writes.
func TestSharedFile(t *testing.T) {
	path := testdb.SQLitePath(t)
	const n = 4
	dbs := make([]*sqlite.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			dbs[i], errs[i] = sqlite.Open(context.Background(), path, sqlite.Options{Clock: testdb.Clock()})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d = %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	ctx := context.Background()
	tn := &roster.Tenant{Name: "acme"}
	if err := dbs[0].CreateTenant(ctx, tn); err != nil {
		t.Fatalf("CreateTenant = %v", err)
	}
	var writers sync.WaitGroup
	for i := range n {
		writers.Go(func() {
			for j := range 10 {
				u := &roster.User{UserName: string(rune('a'+i)) + string(rune('a'+j)), Active: true}
				if err := dbs[i].CreateUser(ctx, tn.ID, u); err != nil {
					t.Errorf("CreateUser on handle %d = %v", i, err)
				}
			}
		})
	}
	writers.Wait()
	for i, db := range dbs {
		if _, total, err := db.Users(ctx, tn.ID, roster.Query{}); err != nil || total != n*10 {
			t.Errorf("Users on handle %d: total %d, %v; want %d", i, total, err, n*10)
		}
	}
}

func TestOpenRejectsNonFiles(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", "x.db?_pragma=foreign_keys(0)"} {
		if db, err := sqlite.Open(context.Background(), path, sqlite.Options{}); roster.ErrorCode(err) != roster.EINVALID {
			if db != nil {
				db.Close()
			}
			t.Errorf("Open(%q) = %v, want code %s", path, err, roster.EINVALID)
		}
	}
}

// TestLogFile keeps the provisioning log in a file of its own beside the database.
func TestLogFile(t *testing.T) {
	path := testdb.SQLitePath(t)
	db := open(t, path)
	if err := db.AppendLog(context.Background(), []*roster.LogEntry{{Time: time.Now(), RequestID: "r", Method: "GET", Route: "/", Action: "get", Status: 200}}); err != nil {
		t.Fatal(err)
	}
	if got := sqlite.LogFile(path); got != strings.TrimSuffix(path, ".db")+"-log.db" {
		t.Fatalf("LogFile(%q) = %q", path, got)
	}
	if _, err := os.Stat(sqlite.LogFile(path)); err != nil {
		t.Fatalf("the log file: %v", err)
	}
}

// TestNoStat4 checks that opening a database leaves no sqlite_stat4 samples:
// with them, SQLite re-prepares a statement whenever a bound value changes,
// which made every userName lookup on 100,000 users 4–5 times slower.
func TestNoStat4(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	db := open(t, path)
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		name := fmt.Sprintf("u%d@example.com", i)
		if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: name, Active: true, Doc: map[string]any{"userName": name}}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	samples := func() int {
		var n int
		if err := raw.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat4").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if samples() == 0 {
		t.Fatal("ANALYZE wrote no sqlite_stat4 samples: this SQLite has no STAT4, and the test shows nothing")
	}
	open(t, path)
	if n := samples(); n != 0 {
		t.Errorf("after Open, sqlite_stat4 holds %d samples, want none", n)
	}
}
