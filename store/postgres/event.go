package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// Events returns the events q selects, oldest first (newest first with q.Newest).
func (db *DB) Events(ctx context.Context, q roster.EventQuery) ([]*roster.Event, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	types := q.Types
	if types == nil {
		types = []string{}
	}
	order := `ORDER BY seq LIMIT $5`
	if q.Newest {
		order = `ORDER BY seq DESC LIMIT $5`
	}
	rows, _ := db.pool.Query(ctx, `
		SELECT seq, id, tenant_id, type, resource_type, resource_id, payload, created
		FROM events WHERE seq > $1 AND ($2::bigint = 0 OR seq < $2) AND ($3 = '' OR tenant_id = $3)
			AND (cardinality($4::text[]) = 0 OR type = ANY($4))
		`+order,
		q.After, q.Before, q.TenantID, types, q.Limit)
	es, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (*roster.Event, error) {
		var (
			e    roster.Event
			body []byte
		)
		if err := cr.Scan(&e.Seq, &e.ID, &e.TenantID, &e.Type, &e.ResourceType, &e.ResourceID, &body, &e.Time); err != nil {
			return nil, err
		}
		e.Payload, e.Time = json.RawMessage(body), e.Time.UTC()
		return &e, nil
	})
	if err != nil {
		return nil, wrap("events", err)
	}
	return es, nil
}

// LastEventSeq returns the seq of the newest event, or 0.
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, wrap("last event", err)
	}
	return seq, nil
}

// PruneEvents deletes the events older than before, in batches, recording the
// greatest seq pruned, and returns how many it deleted.
func (db *DB) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error {
			return t.QueryRow(ctx, `
				WITH doomed AS (
					DELETE FROM events WHERE seq IN (
						SELECT seq FROM events WHERE created < $1 ORDER BY seq LIMIT 5000)
					RETURNING seq),
				noted AS (
					UPDATE outbox_state SET pruned_through = greatest(pruned_through, (SELECT max(seq) FROM doomed))
					WHERE EXISTS (SELECT 1 FROM doomed))
				SELECT count(*) FROM doomed`, before).Scan(&n)
		})
		if err != nil {
			return total, wrap("prune events", err)
		}
		total += n
		if n < 5000 {
			return total, nil
		}
	}
}

// PrunedThrough returns the greatest seq ever pruned, or 0.
func (db *DB) PrunedThrough(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT pruned_through FROM outbox_state`).Scan(&seq); err != nil {
		return 0, wrap("pruned through", err)
	}
	return seq, nil
}
