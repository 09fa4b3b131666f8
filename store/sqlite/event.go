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
	b, err := e.Body()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO events (id, tenant_id, type, resource_type, resource_id, payload, created)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		newID(), tenantID, e.Type, e.ResourceType, e.ResourceID, string(b), formatTime(now))
	if err != nil {
		return fmt.Errorf("event %s: %w", e.Type, err)
	}
	return nil
}

// Events returns up to limit events of the tenant ("" for all tenants) with Seq
// greater than after, oldest first. A limit of 0 or less returns none.
func (db *DB) Events(ctx context.Context, tenantID string, after int64, limit int) ([]*roster.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	query := `SELECT seq, id, tenant_id, type, resource_type, resource_id, payload, created
		FROM events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`
	args := []any{tenantID, after, limit}
	if tenantID == "" {
		query = `SELECT seq, id, tenant_id, type, resource_type, resource_id, payload, created
			FROM events WHERE seq > ? ORDER BY seq LIMIT ?`
		args = args[1:]
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
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
