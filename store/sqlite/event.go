package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
)

// appendEvent writes e to the outbox in tx, at time now.
func appendEvent(ctx context.Context, tx *sql.Tx, tenantID string, now time.Time, e outbox.Event) error {
	r, err := e.Row()
	if err != nil {
		return err
	}
	return appendEventRow(ctx, tx, tenantID, now, r)
}

// appendEventRow appends an event rendered before the transaction.
func appendEventRow(ctx context.Context, tx *sql.Tx, tenantID string, now time.Time, r outbox.Row) error {
	_, err := txExec(ctx, tx, `
		INSERT INTO events (id, tenant_id, type, resource_type, resource_id, payload, created)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, tenantID, r.Type, r.ResourceType, r.ResourceID, r.Payload, formatTime(now))
	if err != nil {
		return fmt.Errorf("event %s: %w", r.Type, err)
	}
	return nil
}

// Events returns the events q selects, oldest first (newest first with q.Newest).
func (db *DB) Events(ctx context.Context, q roster.EventQuery) ([]*roster.Event, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	query := `SELECT seq, id, tenant_id, type, resource_type, resource_id, payload, created FROM events WHERE seq > ?`
	args := []any{q.After}
	if q.Before > 0 {
		query += ` AND seq < ?`
		args = append(args, q.Before)
	}
	if q.TenantID != "" {
		query += ` AND tenant_id = ?`
		args = append(args, q.TenantID)
	}
	if len(q.Types) > 0 {
		query += ` AND type IN (SELECT value FROM json_each(?))`
		args = append(args, jsonArray(q.Types))
	}
	order := ` ORDER BY seq LIMIT ?`
	if q.Newest {
		order = ` ORDER BY seq DESC LIMIT ?`
	}
	rows, err := db.read.QueryContext(ctx, query+order, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	defer rows.Close()
	var es []*roster.Event
	for rows.Next() {
		var (
			e       roster.Event
			body    string
			created sql.NullString
		)
		if err := rows.Scan(&e.Seq, &e.ID, &e.TenantID, &e.Type, &e.ResourceType, &e.ResourceID, &body, &created); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		e.Payload = json.RawMessage(body)
		if e.Time, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		es = append(es, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	return es, nil
}

// LastEventSeq returns the seq of the newest event, or 0.
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sqlite: last event: %w", err)
	}
	return seq, nil
}

// PruneEvents deletes the events older than before, in batches, recording the
// greatest seq pruned, and returns how many it deleted.
func (db *DB) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		n, err := db.pruneBatch(ctx, formatTime(before), 5000)
		if err != nil {
			return total, fmt.Errorf("sqlite: prune events: %w", err)
		}
		total += n
		if n < 5000 {
			return total, nil
		}
	}
}

// pruneBatch deletes those of the limit oldest events that were created
// before before, and any older event between them.
//
// It reads the oldest events and filters them, rather than the oldest of
// the events created before before: when few are that old (the last batch of
// every run, and every run of a young database) that search read the whole
// table inside the writer, and every write waited behind it, 0.74 s for a
// million events (see docs/performance.md).
func (db *DB) pruneBatch(ctx context.Context, before string, limit int) (int64, error) {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var last sql.NullInt64
		err := txQueryRow(ctx, tx, `SELECT max(seq) FROM (SELECT seq, created FROM events ORDER BY seq LIMIT ?) WHERE created < ?`,
			limit, before).Scan(&last)
		if err != nil || !last.Valid {
			return err
		}
		res, err := txExec(ctx, tx, `DELETE FROM events WHERE seq <= ?`, last.Int64)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = txExec(ctx, tx, `UPDATE outbox_state SET pruned_through = max(pruned_through, ?)`, last.Int64)
		return err
	})
	return n, err
}

// PrunedThrough returns the greatest seq ever pruned, or 0.
func (db *DB) PrunedThrough(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.read.QueryRowContext(ctx, `SELECT pruned_through FROM outbox_state`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sqlite: pruned through: %w", err)
	}
	return seq, nil
}
