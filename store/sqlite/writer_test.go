package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestCommitGroup commits one group by hand: a write that fails after writing
// is undone alone, a write whose context ended before it started does not
// run, and the others are committed, each answered with its own outcome.
func TestCommitGroup(t *testing.T) {
	db := openInternal(t)
	insert := func(name string) func(context.Context, *sql.Tx) error {
		return func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, created) VALUES (?, ?, '')`, name, name)
			return err
		}
	}
	failAfterWriting := errors.New("failed after writing")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	group := []*writeRequest{
		{ctx: ctx, fn: insert("a")},
		{ctx: ctx, fn: func(ctx context.Context, tx *sql.Tx) error {
			if err := insert("b")(ctx, tx); err != nil {
				return err
			}
			return failAfterWriting
		}},
		{ctx: ctx, fn: insert("a")}, // taken by the first write of the group
		{ctx: canceled, fn: insert("c")},
		{ctx: ctx, fn: insert("d")},
	}
	for _, r := range group {
		r.done = make(chan error, 1)
	}
	db.commit(group)
	want := []func(error) bool{
		func(err error) bool { return err == nil },
		func(err error) bool { return errors.Is(err, failAfterWriting) },
		isUnique,
		func(err error) bool { return errors.Is(err, context.Canceled) },
		func(err error) bool { return err == nil },
	}
	for i, r := range group {
		if err := <-r.done; !want[i](err) {
			t.Errorf("write %d = %v", i, err)
		}
	}
	var names string
	err := db.read.QueryRowContext(ctx, `SELECT group_concat(name, ',') FROM (SELECT name FROM tenants ORDER BY name)`).Scan(&names)
	if err != nil || names != "a,d" {
		t.Errorf("tenants after the group = %q, %v; want a,d", names, err)
	}
}

// TestWriteAfterClose checks that a write made after Close fails instead of waiting.
func TestWriteAfterClose(t *testing.T) {
	db := openInternal(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err := db.write(context.Background(), func(context.Context, *sql.Tx) error { return nil })
	if !errors.Is(err, errClosed) {
		t.Errorf("write after Close = %v, want %v", err, errClosed)
	}
}

// TestCheckpointer checks that the writer leaves checkpoints to the
// checkpointer, and that the checkpointer copies committed writes from the WAL
// into the database file while the store is open.
func TestCheckpointer(t *testing.T) {
	path := testdb.SQLitePath(t)
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var auto int
	if err := db.conn.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != writerCheckpointPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, %v; want %d", auto, err, writerCheckpointPages)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	// Far fewer pages than an automatic checkpoint would wait for.
	for i := range 50 {
		name := fmt.Sprintf("t%d", i)
		if _, err := db.exec(ctx, `INSERT INTO tenants (id, name, created) VALUES (?, ?, '')`, name, name); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); size() == before; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes for 10 s after 50 commits: nothing was checkpointed", before)
		}
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM tenants WHERE name LIKE 't%'`).Scan(&n); err != nil || n != 50 {
		t.Fatalf("tenants after the checkpoint = %d, %v; want 50", n, err)
	}
}

// TestUserUpdate checks that an update sets only the columns that change,
// so that SQLite leaves the other columns' index entries alone.
func TestUserUpdate(t *testing.T) {
	old := &storedUser{userName: "ada", externalID: "x1", displayName: "Ada", appActive: true, accessRole: "viewer",
		ent: `{"active":true}`, loginMethod: "idp", docText: `{"userName":"ada"}`}
	old.active = true
	enc := &encodedUser{doc: `{"userName":"ada"}`, ent: `{"active":true}`}
	same := &roster.User{UserName: "ada", ExternalID: "x1", DisplayName: "Ada", Active: true,
		Entitlements: roster.Entitlements{Active: true, AccessRole: "viewer"}}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name string
		edit func(u *roster.User, e *encodedUser)
		want string
	}{
		{"nothing", func(*roster.User, *encodedUser) {}, ""},
		{"doc", func(_ *roster.User, e *encodedUser) { e.doc = `{"userName":"ada","title":"x"}` }, "doc = ?, "},
		{"userName case", func(u *roster.User, _ *encodedUser) { u.UserName = "Ada" }, "user_name = ?, "},
		{"externalId removed", func(u *roster.User, _ *encodedUser) { u.ExternalID = "" }, "external_id = ?, "},
		{"deactivated", func(u *roster.User, e *encodedUser) {
			u.Active, u.Entitlements.Active, e.ent = false, false, `{"active":false}`
		}, "active = ?, app_active = ?, entitlements = ?, "},
		{"login method kept", func(u *roster.User, _ *encodedUser) { u.LoginMethod = "" }, ""},
		{"login method", func(u *roster.User, _ *encodedUser) { u.LoginMethod = "password" }, "login_method = ?, "},
	} {
		u, e := *same, *enc
		tt.edit(&u, &e)
		q, args := userUpdate(old, &u, &e, now)
		want := "UPDATE users SET " + tt.want + "version = version + 1, modified = ? WHERE tenant_id = ? AND id = ?"
		if q != want {
			t.Errorf("%s: userUpdate = %q\nwant %q", tt.name, q, want)
		}
		if n := strings.Count(q, "?") - 2; len(args) != n {
			t.Errorf("%s: %d arguments for %d placeholders before the key", tt.name, len(args), n)
		}
	}
}
