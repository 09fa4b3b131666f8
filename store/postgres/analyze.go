package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Roster's queries are equality lookups and ranges on indexes, and the
// planner picks those only when it knows how large the tables are. PostgreSQL
// learns that from ANALYZE, which autovacuum runs as tables change. Where
// autovacuum is off, a tenant's tables are never analysed: a 40,000-user
// tenant then took 80 creates/s against 550/s after one ANALYZE. The store
// stands in for autovacuum's analysis then, with autovacuum's own rule.
//
// Where autovacuum is on, it still analyses a table only once a minute at
// best (autovacuum_naptime), and a users table that a new tenant's first sync
// fills within that minute is looked up on plans made for the empty table it
// was. So a server's store analyses the users table itself as soon as the
// users it created pass autovacuum's threshold, whether or not autovacuum
// runs; autovacuum keeps every other table.

// analyzeEvery is how often the stand-in checks the tables: often, so that a
// new tenant filling up is analysed within seconds (the check is one read of
// PostgreSQL's table statistics; a table is analysed only past the threshold).
// Until then its lookups run on plans made for the table it was: right after
// 1,000 creates, Entra's userName lookup ran at 433/s for 8 s with a check
// every 10 s, and averaged 1,871/s over 24 s.
const analyzeEvery = 2 * time.Second

// grownUsers counts the users this process created since the users table
// was last analysed, so that a table filling up is analysed as it grows, not
// seconds later: PostgreSQL publishes its own counts (pg_stat_user_tables) up
// to a second or more after the transactions, and a new tenant's first sync
// creates a thousand users in less. Before its first analysis, PostgreSQL
// takes the table for nearly empty and looks a userName up by the tenant's
// users_active index, reading every user of the tenant: right after 1,000
// creates, roster-bench's userName phase ran at 1,245 lookups/s, against
// 4,329/s once analysed.
type grownUsers struct {
	kick    chan struct{} // signalled when created passes autovacuum's threshold
	created atomic.Int64  // users created since the last analysis
	rows    atomic.Int64  // the table's rows at the last analysis
}

// noteCreated counts a created user and signals the analysis loop once the
// users created since the last analysis pass autovacuum's rule (50 rows plus
// 10% of the table's).
func (db *DB) noteCreated() {
	g := db.grown
	if g == nil {
		return
	}
	if g.created.Add(1) >= 50+g.rows.Load()/10 {
		select {
		case g.kick <- struct{}{}:
		default:
		}
	}
}

// analyzeUsers analyses the users table and its emails, and notes its size.
func (db *DB) analyzeUsers(ctx context.Context) error {
	db.grown.created.Store(0)
	if _, err := db.pool.Exec(ctx, `ANALYZE users, user_emails`); err != nil {
		return wrap("analyze users", err)
	}
	return db.noteUsersRows(ctx)
}

// noteUsersRows keeps the users table's row count, as of its last analysis.
func (db *DB) noteUsersRows(ctx context.Context) error {
	var rows float64
	if err := db.pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass`).Scan(&rows); err != nil {
		return wrap("users rows", err)
	}
	db.grown.rows.Store(int64(max(rows, 0)))
	return nil
}

// analyzeLoop runs analyzeUsers when users were created past the threshold
// and, when periodic, Analyze every analyzeEvery, until ctx ends. Open starts
// it when asked to (Options.Analyze), periodic where autovacuum is off.
func (db *DB) analyzeLoop(ctx context.Context, periodic bool) {
	var tickc <-chan time.Time
	if periodic {
		tick := time.NewTicker(analyzeEvery)
		defer tick.Stop()
		tickc = tick.C
	}
	report := func(err error) {
		if err != nil && ctx.Err() == nil {
			db.log.Error("postgres: analyze", "err", err)
		}
	}
	// analyze runs Analyze; when it analysed users, the count of users
	// created starts over from there, as after analyzeUsers.
	analyze := func() {
		tables, err := db.Analyze(ctx)
		report(err)
		if slices.Contains(tables, "users") {
			db.grown.created.Store(0)
			report(db.noteUsersRows(ctx))
		}
	}
	report(db.noteUsersRows(ctx))
	if periodic {
		analyze()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.grown.kick:
			report(db.analyzeUsers(ctx))
		case <-tickc:
			analyze()
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
		return nil, wrap("analyze", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("analyze", err)
	}
	for _, t := range tables {
		if _, err := db.pool.Exec(ctx, `ANALYZE `+pgx.Identifier{t}.Sanitize()); err != nil {
			return nil, fmt.Errorf("postgres: analyze %s: %w", t, err)
		}
	}
	return tables, nil
}
