package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
)

var (
	_ roster.HealthChecker = (*DB)(nil)
	_ roster.PoolStater    = (*DB)(nil)
)

// Ping sends an empty statement over a pooled connection.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Migrated returns an error when the database lacks a migration this program
// carries, as when it was recreated since Open. It takes no lock.
func (db *DB) Migrated(ctx context.Context) error {
	pending, err := db.schema.HasPending(ctx)
	if err != nil {
		return wrap("migrations", err)
	}
	if pending {
		return fmt.Errorf("postgres: migrations: the database lacks migrations; run roster migrate")
	}
	return nil
}

// PoolStats reports the connection pool. Waits counts acquisitions that found
// no idle connection; WaitTime is the time all acquisitions took.
func (db *DB) PoolStats() []roster.PoolStat {
	s := db.pool.Stat()
	return []roster.PoolStat{{
		Name:     "main",
		Max:      int(s.MaxConns()),
		Open:     int(s.TotalConns()),
		InUse:    int(s.AcquiredConns()),
		Idle:     int(s.IdleConns()),
		Waits:    s.EmptyAcquireCount(),
		WaitTime: s.AcquireDuration(),
	}}
}

// DatabaseTime returns the time by the database server's clock
// (clock_timestamp, not the transaction's start).
func (db *DB) DatabaseTime(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := db.pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&t); err != nil {
		return time.Time{}, wrap("database time", err)
	}
	return t, nil
}
