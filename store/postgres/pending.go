package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/migration"
)

// Pending returns, in order, the versions of the migrations this program
// carries that the database at url lacks, without applying any (roster
// migrate and roster serve apply them). It connects once, takes no lock and
// writes nothing. An error when the database cannot be reached; EINVALID
// when url cannot be parsed.
func Pending(ctx context.Context, url string) ([]int64, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "postgres: pending migrations: %v", err)
	}
	carried, err := migration.Versions(migrations, "migrations")
	if err != nil {
		return nil, wrap("pending migrations", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("pending migrations", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, wrap("pending migrations", err)
	}
	if !exists {
		return carried, nil
	}
	rows, err := conn.Query(ctx, `SELECT version_id FROM goose_db_version WHERE is_applied`)
	if err != nil {
		return nil, wrap("pending migrations", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, wrap("pending migrations", err)
	}
	applied := map[int64]bool{}
	for _, v := range versions {
		applied[v] = true
	}
	return migration.Missing(carried, applied), nil
}
