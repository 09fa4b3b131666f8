package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestPolicyHistory checks that every policy set is kept, not only the newest.
func TestPolicyHistory(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	docs := []string{`{"v": 1}`, `{"v": 2}`, `{"v": 3}`}
	for _, d := range docs {
		if _, err := db.SetPolicy(ctx, tn.ID, json.RawMessage(d), 0, ""); err != nil {
			t.Fatalf("SetPolicy(%s) = %v", d, err)
		}
	}
	rows, err := db.read.QueryContext(ctx, `SELECT version, doc FROM tenant_policies WHERE tenant_id = ? ORDER BY version`, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for v := int64(1); rows.Next(); v++ {
		var (
			version int64
			doc     string
		)
		if err := rows.Scan(&version, &doc); err != nil || version != v {
			t.Fatalf("history row = %d, %v; want version %d", version, err, v)
		}
		got = append(got, doc)
	}
	if diff := cmp.Diff(docs, got); diff != "" {
		t.Errorf("policy history mismatch (-want +got):\n%s", diff)
	}
}

// TestMigratePolicy opens a file written before the policy migration, whose
// users table it rebuilds: the users, their emails (in order) and memberships
// survive, existing users get the entitlements of their SCIM active, the
// foreign keys and indexes are whole, and the migration goes down and up again.
func TestMigratePolicy(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	conn, p := migratedTo(t, path, 2)
	const ts = "2026-01-02T03:04:05.000000000Z"
	for _, stmt := range []string{
		`INSERT INTO tenants (id, name, created) VALUES ('t', 'acme', '` + ts + `')`,
		`INSERT INTO users (tenant_id, id, user_name, active, doc, version, created, modified) VALUES
			('t', 'u1', 'ada', 1, '{"userName":"ada"}', 1, '` + ts + `', '` + ts + `'),
			('t', 'u2', 'bob', 0, '{"userName":"bob"}', 3, '` + ts + `', '` + ts + `')`,
		`INSERT INTO user_emails (tenant_id, user_id, value, type, is_primary) VALUES
			('t', 'u1', 'z@example.com', 'work', 1), ('t', 'u1', 'a@example.com', 'home', 0), ('t', 'u2', 'b@example.com', NULL, 0)`,
		`INSERT INTO groups (tenant_id, id, display_name, version, created, modified) VALUES ('t', 'g', 'Team', 1, '` + ts + `', '` + ts + `')`,
		`INSERT INTO group_members (tenant_id, group_id, member_id, member_type) VALUES ('t', 'g', 'u1', 'User'), ('t', 'g', 'u2', 'User')`,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	db, err := Open(ctx, path, Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer db.Close()
	ada, err := db.User(ctx, "t", "u1")
	if err != nil {
		t.Fatalf("User(u1) = %v", err)
	}
	bob, err := db.User(ctx, "t", "u2")
	if err != nil {
		t.Fatalf("User(u2) = %v", err)
	}
	wantEmails := []roster.Email{{Value: "z@example.com", Type: "work", Primary: true}, {Value: "a@example.com", Type: "home"}}
	if diff := cmp.Diff(wantEmails, ada.Emails); diff != "" {
		t.Errorf("emails after the migration (-want +got):\n%s", diff)
	}
	if !ada.Entitlements.Active || bob.Entitlements.Active || bob.Version != 3 || len(ada.Groups) != 1 || len(bob.Groups) != 1 {
		t.Errorf("users after the migration = %+v, %+v; want entitlements of their active, versions and groups kept", ada, bob)
	}
	var appActive []bool
	if err := scanAll(ctx, db.read, &appActive, `SELECT app_active FROM users ORDER BY id`); err != nil || !slices.Equal(appActive, []bool{true, false}) {
		t.Errorf("app_active = %v, %v; want [true false]", appActive, err)
	}
	checkSchema(t, db)

	// The rebuilt table's foreign keys hold: purging a deleted user takes its emails.
	if err := db.DeleteUser(ctx, "t", "u2", 0); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	if err := db.PurgeUser(ctx, "t", "u2"); err != nil {
		t.Fatalf("PurgeUser = %v", err)
	}
	var emails []string
	if err := scanAll(ctx, db.read, &emails, `SELECT value FROM user_emails ORDER BY rowid`); err != nil ||
		!slices.Equal(emails, []string{"z@example.com", "a@example.com"}) {
		t.Errorf("emails after deleting u2 = %v, %v; want u1's", emails, err)
	}

	// Down and up again: a retired user is dropped on the way down.
	if err := db.RetireUser(ctx, "t", "u1", 0); err != nil {
		t.Fatalf("RetireUser = %v", err)
	}
	if err := db.CreateUser(ctx, "t", &roster.User{ID: "u3", UserName: "ADA"}); err != nil {
		t.Fatalf("CreateUser(a retired user's userName) = %v", err)
	}
	db.Close()
	if _, err := p.DownTo(ctx, 2); err != nil {
		t.Fatalf("migrate down to 2: %v", err)
	}
	var ids []string
	if err := scanAll(ctx, conn, &ids, `SELECT id FROM users UNION ALL SELECT user_id FROM user_emails`); err != nil ||
		!slices.Equal(ids, []string{"u3"}) {
		t.Errorf("users and emails after going down = %v, %v; want u3 alone", ids, err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO users (tenant_id, id, user_name, version, created, modified)
		VALUES ('t', 'u4', 'ada', 1, '', '')`); !isUnique(err) {
		t.Errorf("insert of a taken userName after going down = %v, want the UNIQUE constraint back", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
	db, err = Open(ctx, path, Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer db.Close()
	checkSchema(t, db)
}

// checkSchema checks the indexes of users and user_emails and the file's integrity.
func checkSchema(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	var indexes []string
	err := scanAll(ctx, db.read, &indexes, `SELECT name FROM sqlite_schema
		WHERE type = 'index' AND tbl_name IN ('users', 'user_emails', 'user_unique') ORDER BY name`)
	want := []string{"sqlite_autoindex_users_1", "user_emails_user", "user_emails_value",
		"user_unique_user", "users_active", "users_created", "users_created_live", "users_display_name", "users_external_id", "users_idp_doc", "users_retired", "users_user_name"}
	if err != nil || !slices.Equal(indexes, want) {
		t.Errorf("indexes = %v, %v; want %v", indexes, err, want)
	}
	var problems []string
	if err := scanAll(ctx, db.read, &problems, `SELECT "table" || ' ' || parent FROM pragma_foreign_key_check`); err != nil || len(problems) != 0 {
		t.Errorf("foreign key check = %v, %v; want nothing", problems, err)
	}
	if err := scanAll(ctx, db.read, &problems, `PRAGMA integrity_check`); err != nil || !slices.Equal(problems, []string{"ok"}) {
		t.Errorf("integrity check = %v, %v; want ok", problems, err)
	}
}

// scanAll reads the one column of every row of query into dst.
func scanAll[T any](ctx context.Context, q *sql.DB, dst *[]T, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	*dst = nil
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return err
		}
		*dst = append(*dst, v)
	}
	return rows.Err()
}

// migratedTo opens the file at path through database/sql, migrated only up
// to version, as an earlier Roster left it, and returns the migrations'
// provider to go on with.
func migratedTo(t *testing.T, path string, version int64) (*sql.DB, *goose.Provider) {
	t.Helper()
	conn, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetMaxOpenConns(1)
	old := &DB{log: slog.New(slog.DiscardHandler)}
	p, err := old.provider(conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	return conn, p
}
