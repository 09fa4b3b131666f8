package sqlite

import (
	"context"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestMigrateGroupNames opens a file written before group names were
// reserved, whose tenant holds three groups of one name: the migration does
// not fail, the oldest holds the name, the others can still be written, and a
// new group of that name is refused naming the oldest.
func TestMigrateGroupNames(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	conn, _ := migratedTo(t, path, 7)
	for _, stmt := range []string{
		`INSERT INTO tenants (id, name, created) VALUES ('t', 'acme', '2026-01-01T00:00:00.000000000Z'), ('o', 'globex', '2026-01-01T00:00:00.000000000Z')`,
		`INSERT INTO groups (tenant_id, id, display_name, version, created, modified) VALUES
			('t', 'g2', 'SALES', 1, '2026-01-02T00:00:00.000000000Z', '2026-01-02T00:00:00.000000000Z'),
			('t', 'g1', 'Sales', 1, '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z'),
			('t', 'g3', 'sales', 1, '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z'),
			('o', 'g4', 'Sales', 1, '2026-01-03T00:00:00.000000000Z', '2026-01-03T00:00:00.000000000Z')`,
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
	var holders []string
	if err := scanAll(ctx, db.read, &holders, `SELECT id FROM groups WHERE name_key IS NOT NULL ORDER BY id`); err != nil ||
		len(holders) != 2 || holders[0] != "g1" || holders[1] != "g4" {
		t.Fatalf("holders after the migration = %v, %v; want [g1 g4]", holders, err)
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
