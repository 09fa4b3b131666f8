package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestMigrateGroupNames opens a database written before group names were
// reserved, whose tenant holds three groups of one name: the migration does
// not fail, the oldest holds the name, the others can still be written, and a
// new group of that name is refused naming the oldest.
func TestMigrateGroupNames(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	conns, _ := migratedTo(t, url, 7)
	_, err := conns.ExecContext(ctx, `
		INSERT INTO tenants (id, name, created) VALUES ('t', 'acme', now()), ('o', 'globex', now());
		INSERT INTO groups (tenant_id, id, display_name, version, created, modified) VALUES
			('t', 'g2', 'SALES', 1, '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z'),
			('t', 'g1', 'Sales', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
			('t', 'g3', 'sales', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
			('o', 'g4', 'Sales', 1, '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z')`)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}

	db, err := Open(ctx, url, Options{Clock: time.Now})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer db.Close()
	rows, _ := db.pool.Query(ctx, `SELECT id FROM groups WHERE name_key IS NOT NULL ORDER BY id`)
	if got, err := pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || !slices.Equal(got, []string{"g1", "g4"}) {
		t.Fatalf("holders after the migration = %v, %v; want [g1 g4]", got, err)
	}
	for _, id := range []string{"g2", "g3"} {
		g := &roster.Group{ID: id, DisplayName: "Sales", Doc: map[string]any{"displayName": "Sales"}, ReserveName: true}
		if err := db.ReplaceGroup(ctx, "t", g, 0); err != nil {
			t.Errorf("ReplaceGroup(%s, its shared name) = %v", id, err)
		}
	}
	err = db.CreateGroup(ctx, "t", &roster.Group{DisplayName: "sales", Doc: map[string]any{"displayName": "sales"}, ReserveName: true})
	if roster.ErrorCode(err) != roster.ECONFLICT || roster.ErrorDetail(err) != `displayName "sales" is already taken by group g1` {
		t.Errorf("CreateGroup(sales) = %v, want the conflict naming g1", err)
	}
}
