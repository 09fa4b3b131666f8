package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestPolicyHistory checks that every policy set is kept, not only the newest.
func TestPolicyHistory(t *testing.T) {
	db, err := Open(context.Background(), testdb.Postgres(t), Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
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
	rows, _ := db.pool.Query(ctx, `SELECT version, doc::text FROM tenant_policies WHERE tenant_id = $1 ORDER BY version`, tn.ID)
	type version struct {
		Version int64
		Doc     string
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[version])
	want := []version{{1, docs[0]}, {2, docs[1]}, {3, docs[2]}}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("policy history = %v, mismatch (-want +got):\n%s", err, diff)
	}
}

// TestMigratePolicy opens a database written before the policy migration:
// existing users get the entitlements of their SCIM active and keep their
// emails, and the migration goes down and up again.
func TestMigratePolicy(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	conns, p := migratedTo(t, url, 3)
	_, err := conns.ExecContext(ctx, `
		INSERT INTO tenants (id, name, created) VALUES ('t', 'acme', now());
		INSERT INTO users (tenant_id, id, user_name, active, doc, version, created, modified) VALUES
			('t', 'u1', 'ada', true, '{"userName":"ada"}', 1, now(), now()),
			('t', 'u2', 'bob', false, '{"userName":"bob"}', 3, now(), now());
		INSERT INTO user_emails (tenant_id, user_id, ord, value, type, is_primary) VALUES
			('t', 'u1', 1, 'z@example.com', 'work', true), ('t', 'u1', 2, 'a@example.com', 'home', false)`)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}

	db, err := Open(ctx, url, Options{Clock: time.Now})
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
	if !ada.Entitlements.Active || bob.Entitlements.Active || bob.Version != 3 || len(ada.Emails) != 2 || ada.Emails[0].Value != "z@example.com" {
		t.Errorf("users after the migration = %+v, %+v; want entitlements of their active, versions and emails kept", ada, bob)
	}
	rows, _ := db.pool.Query(ctx, `SELECT app_active FROM users ORDER BY id`)
	if got, err := pgx.CollectRows(rows, pgx.RowTo[bool]); err != nil || !slices.Equal(got, []bool{true, false}) {
		t.Errorf("app_active = %v, %v; want [true false]", got, err)
	}

	// Down and up again: a retired user is dropped on the way down.
	if err := db.RetireUser(ctx, "t", "u1", 0); err != nil {
		t.Fatalf("RetireUser = %v", err)
	}
	if err := db.CreateUser(ctx, "t", &roster.User{ID: "u3", UserName: "ADA"}); err != nil {
		t.Fatalf("CreateUser(a retired user's userName) = %v", err)
	}
	if _, err := p.DownTo(ctx, 3); err != nil {
		t.Fatalf("migrate down to 3: %v", err)
	}
	rows, _ = db.pool.Query(ctx, `SELECT id FROM users UNION ALL SELECT user_id FROM user_emails ORDER BY 1`)
	if got, err := pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || !slices.Equal(got, []string{"u2", "u3"}) {
		t.Errorf("users and emails after going down = %v, %v; want u2 and u3", got, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
}

// migratedTo opens the database at url through database/sql, migrated only
// up to version, as an earlier Roster left it, and returns the migrations'
// provider to go on with.
func migratedTo(t *testing.T, url string, version int64) (*sql.DB, *goose.Provider) {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	conns := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { conns.Close() })
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, conns, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	return conns, p
}
