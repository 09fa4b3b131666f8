package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
)

var (
	_ roster.HealthChecker = (*DB)(nil)
	_ roster.PoolStater    = (*DB)(nil)
)

// Ping runs a trivial query on the read pool. It does not wait for the writer,
// so a long write never makes the store look unreachable.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Migrated returns an error when the file lacks a migration this program
// carries, as when another program replaced it since Open.
func (db *DB) Migrated(ctx context.Context) error {
	pending, err := db.schema.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if pending {
		return fmt.Errorf("sqlite: migrations: the database lacks migrations; run roster migrate")
	}
	return nil
}

// PoolStats reports the writer's pool and the readers' pool.
func (db *DB) PoolStats() []roster.PoolStat {
	return []roster.PoolStat{poolStat("write", db.conn.Stats()), poolStat("read", db.read.Stats())}
}

func poolStat(name string, s sql.DBStats) roster.PoolStat {
	return roster.PoolStat{
		Name:     name,
		Max:      s.MaxOpenConnections,
		Open:     s.OpenConnections,
		InUse:    s.InUse,
		Idle:     s.Idle,
		Waits:    s.WaitCount,
		WaitTime: s.WaitDuration,
	}
}

// DatabaseTime returns the time by the database's clock: on SQLite, a file
// of this machine, this machine's clock as SQLite reads it.
func (db *DB) DatabaseTime(ctx context.Context) (time.Time, error) {
	var s string
	if err := db.read.QueryRowContext(ctx, `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`).Scan(&s); err != nil {
		return time.Time{}, fmt.Errorf("sqlite: database time: %w", err)
	}
	t, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: database time %q: %w", s, err)
	}
	return t, nil
}
