package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// Events returns up to limit events of the tenant ("" for all tenants) with Seq
// greater than after, oldest first. A limit of 0 or less returns none.
func (db *DB) Events(ctx context.Context, tenantID string, after int64, limit int) ([]*roster.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, _ := db.pool.Query(ctx, `
		SELECT seq, id, tenant_id, type, resource_type, resource_id, payload, created
		FROM events WHERE ($1 = '' OR tenant_id = $1) AND seq > $2 ORDER BY seq LIMIT $3`,
		tenantID, after, limit)
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
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	return es, nil
}
