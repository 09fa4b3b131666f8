package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
)

// payload is the JSON body of an event (see roster.Event.Payload).
type payload struct {
	// Resource is the resource after the change: its document with "id".
	Resource map[string]any `json:"resource,omitempty"`
	// Previous holds, for updates, the old values of the top-level attributes that
	// changed (null for an attribute that was absent).
	Previous map[string]any `json:"previous,omitempty"`
	// Members are the member ids a membership event is about.
	Members []string `json:"members,omitempty"`
}

// event is one event about to be appended.
type event struct {
	typ, resourceType, resourceID string
	payload                       payload
}

// appendEvent writes e to the outbox in tx, at time now.
func appendEvent(ctx context.Context, tx *sql.Tx, tenantID string, now time.Time, e event) error {
	b, err := json.Marshal(e.payload)
	if err != nil {
		return fmt.Errorf("event %s: %w", e.typ, err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO events (id, tenant_id, type, resource_type, resource_id, payload, created)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		newID(), tenantID, e.typ, e.resourceType, e.resourceID, string(b), formatTime(now))
	if err != nil {
		return fmt.Errorf("event %s: %w", e.typ, err)
	}
	return nil
}

// resourceDoc returns a copy of doc with "id" set, the resource of an event payload.
func resourceDoc(id string, doc map[string]any) map[string]any {
	r := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		r[k] = v
	}
	r["id"] = id
	return r
}

// changed returns the old values of the top-level attributes whose values differ
// between old and new (nil for an attribute old did not have). Values are compared
// as JSON, so that 1 (float64) and 1 (json.Number) are equal.
func changed(old, new map[string]any) map[string]any {
	prev := map[string]any{}
	for k, ov := range old {
		nv, ok := new[k]
		if !ok || !sameJSON(ov, nv) {
			prev[k] = ov
		}
	}
	for k := range new {
		if _, ok := old[k]; !ok {
			prev[k] = nil
		}
	}
	return prev
}

func sameJSON(a, b any) bool {
	ab, errA := json.Marshal(a)
	bb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ab) == string(bb)
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
