package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Roster's queries are equality lookups and ranges on indexes, and the
// planner picks those only when it knows how large the tables are. PostgreSQL
// learns that from ANALYZE, which autovacuum runs as tables change. Where
// autovacuum is off, a tenant's tables are never analysed: a 40,000-user
// tenant then took 80 creates/s against 550/s after one ANALYZE. The store
// stands in for autovacuum's analysis then, with autovacuum's own rule.

// analyzeEvery is how often the stand-in checks the tables: often, so that a
// new tenant filling up is analysed within seconds (the check is one read of
// PostgreSQL's table statistics; a table is analysed only past the threshold).
// Until then its lookups run on plans made for the table it was: right after
// 1,000 creates, Entra's userName lookup ran at 433/s for 8 s with a check
// every 10 s, and averaged 1,871/s over 24 s.
const analyzeEvery = 2 * time.Second

// analyzeLoop runs Analyze every analyzeEvery until ctx ends. Open starts it
// when asked to (Options.Analyze) and autovacuum is off.
func (db *DB) analyzeLoop(ctx context.Context) {
	tick := time.NewTicker(analyzeEvery)
	defer tick.Stop()
	for {
		if _, err := db.Analyze(ctx); err != nil && ctx.Err() == nil {
			db.log.Error("postgres: analyze", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Analyze runs ANALYZE on each of the schema's tables that changed by more
// than autovacuum's analyze threshold since it was last analysed (50 rows plus
// 10% of its rows; a table never analysed counts all its changes), and returns
// their names.
func (db *DB) Analyze(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema()
		  AND n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0)
		ORDER BY relname`)
	if err != nil {
		return nil, fmt.Errorf("postgres: analyze: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: analyze: %w", err)
	}
	for _, t := range tables {
		if _, err := db.pool.Exec(ctx, `ANALYZE `+pgx.Identifier{t}.Sanitize()); err != nil {
			return nil, fmt.Errorf("postgres: analyze %s: %w", t, err)
		}
	}
	return tables, nil
}
