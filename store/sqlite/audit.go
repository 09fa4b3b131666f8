package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster"
)

// AppendAudit stores e, filling ID.
func (db *DB) AppendAudit(ctx context.Context, e *roster.AuditEntry) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
			INSERT INTO audit (at, actor, source, action, tenant_id, tenant_name, target, before, after)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			formatTime(e.Time), e.Actor, e.Source, e.Action, e.TenantID, e.Tenant, e.Target,
			nullJSON(e.Before), nullJSON(e.After)).Scan(&e.ID)
	})
	if err != nil {
		return fmt.Errorf("sqlite: append audit: %w", err)
	}
	return nil
}

// Audit returns the entries q selects, newest first.
func (db *DB) Audit(ctx context.Context, q roster.AuditQuery) ([]*roster.AuditEntry, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT id, at, actor, source, action, tenant_id, tenant_name, target, before, after FROM audit
		WHERE (?1 = '' OR tenant_id = ?1 OR tenant_name = ?1) AND (?3 = 0 OR id < ?3)
		ORDER BY id DESC LIMIT ?2`, q.Tenant, q.Limit, q.Before)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	defer rows.Close()
	var es []*roster.AuditEntry
	for rows.Next() {
		var (
			e             roster.AuditEntry
			at            sql.NullString
			before, after sql.NullString
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Source, &e.Action, &e.TenantID, &e.Tenant, &e.Target, &before, &after); err != nil {
			return nil, fmt.Errorf("sqlite: audit: %w", err)
		}
		if e.Time, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("sqlite: audit: %w", err)
		}
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		es = append(es, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return es, nil
}

// nullJSON is a JSON document as a column takes it: NULL when there is none.
func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}
