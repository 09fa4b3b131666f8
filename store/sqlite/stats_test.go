package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/testdb"
)

// TestEstimatedStats checks that Open gives the large tables of a file that
// has no statistics (an import, a restore) SQLite's default estimates at
// their size instead of analysing them, which counts every index entry; that
// small tables are still analysed; and that the write paths keep their plans.
func TestEstimatedStats(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	db, err := Open(ctx, path, Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	seedBigGroup(t, db) // 2,000 users, 21 groups, 2,200 memberships
	if _, err := db.conn.ExecContext(ctx, `DELETE FROM sqlite_stat1`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	defer func(n int64) { largeTable = n }(largeTable)
	largeTable = 1000
	db, err = Open(ctx, path, Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	for _, tt := range []struct{ index, want string }{
		{"users_user_name", "1000 10 1"},          // partial, unique: half the table
		{"users_created", "2000 10 9 8"},          // three columns
		{"sqlite_autoindex_users_1", "2000 10 1"}, // (tenant_id, id)
		// Without rowid: counted, up to twice largeTable.
		{"group_members", "2000 10 9 1"}, // its primary key
		{"group_members_member", "2000 10 9 8"},
	} {
		var stat string
		if err := db.conn.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE idx = ?`, tt.index).Scan(&stat); err != nil || stat != tt.want {
			t.Errorf("stat of %s = %q, %v; want %q", tt.index, stat, err, tt.want)
		}
	}
	// groups has 21 rows: analysed as before, its rows counted.
	var stat string
	if err := db.conn.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE idx = 'groups_name_key'`).Scan(&stat); err != nil || !strings.HasPrefix(stat, "21 ") {
		t.Errorf("stat of groups_name_key = %q, %v; want ANALYZE's, 21 rows", stat, err)
	}
	// An index added to a table that has statistics (a migration) gets its
	// estimate alone.
	if _, err := db.conn.ExecContext(ctx, `UPDATE sqlite_stat1 SET stat = '2000 2000 1' WHERE idx = 'users_user_name'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.conn.ExecContext(ctx, `DELETE FROM sqlite_stat1 WHERE idx = 'users_active'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path, Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer db.Close()
	for index, want := range map[string]string{"users_active": "2000 10 9 8", "users_user_name": "2000 2000 1"} {
		if err := db.conn.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE idx = ?`, index).Scan(&stat); err != nil || stat != want {
			t.Errorf("after a reopen, stat of %s = %q, %v; want %q", index, stat, err, want)
		}
	}
	member := "group_members_member (tenant_id=? AND member_id=? AND member_type=?)"
	for _, q := range []string{leaveQuery, userByIDQuery} {
		args := []any{"t", "u1", "User"}
		if q == userByIDQuery {
			args = args[:2]
		}
		if plan := explain(t, db, q, args); !strings.Contains(plan, member) || walksTenant(plan) {
			t.Errorf("plan with estimated statistics:\n%s\nwant a search of %s and no read of a tenant's rows", plan, member)
		}
	}
}
