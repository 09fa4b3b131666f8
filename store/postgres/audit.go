package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// AppendAudit stores e, filling ID.
func (db *DB) AppendAudit(ctx context.Context, e *roster.AuditEntry) error {
	err := db.pool.QueryRow(ctx, `
		INSERT INTO audit (at, actor, source, action, tenant_id, tenant_name, target, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb) RETURNING id`,
		e.Time, text(e.Actor), text(e.Source), e.Action, e.TenantID, text(e.Tenant), text(e.Target),
		nullJSON(e.Before), nullJSON(e.After)).Scan(&e.ID)
	if err != nil {
		return wrap("append audit", err)
	}
	return nil
}

// Audit returns the entries q selects, newest first.
func (db *DB) Audit(ctx context.Context, q roster.AuditQuery) ([]*roster.AuditEntry, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT id, at, actor, source, action, tenant_id, tenant_name, target, before, after FROM audit
		WHERE ($1 = '' OR tenant_id = $1 OR tenant_name = $1) AND ($3::bigint = 0 OR id < $3)
		ORDER BY id DESC LIMIT $2`, q.Tenant, q.Limit, q.Before)
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*roster.AuditEntry, error) {
		var (
			e             roster.AuditEntry
			before, after []byte
		)
		if err := r.Scan(&e.ID, &e.Time, &e.Actor, &e.Source, &e.Action, &e.TenantID, &e.Tenant, &e.Target, &before, &after); err != nil {
			return nil, err
		}
		e.Time = e.Time.UTC()
		if before != nil {
			e.Before = json.RawMessage(before)
		}
		if after != nil {
			e.After = json.RawMessage(after)
		}
		return &e, nil
	})
	if err != nil {
		return nil, wrap("audit", err)
	}
	return es, nil
}

// nullJSON is a JSON document as a jsonb parameter takes it: NULL when there is none.
func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}
