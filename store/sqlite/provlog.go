package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// AppendLog stores the entries with one multi-row INSERT per 50, filling their IDs.
func (db *DB) AppendLog(ctx context.Context, entries []*roster.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	tx, err := db.logw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: append log: %w", err)
	}
	defer rollback(tx)
	for chunk := range slices.Chunk(entries, 50) {
		if err := appendLog(ctx, tx, chunk); err != nil {
			return fmt.Errorf("sqlite: append log: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: append log: %w", err)
	}
	return nil
}

func appendLog(ctx context.Context, tx *sql.Tx, entries []*roster.LogEntry) error {
	const cols = 20
	args := make([]any, 0, cols*len(entries))
	for _, e := range entries {
		var changes any
		if len(e.Changes) > 0 {
			changes = string(e.Changes)
		}
		args = append(args, e.TenantID, formatTime(e.Time), e.Latency.Microseconds(), e.RequestID, e.Method, e.Route,
			e.Query, e.Action, e.ResourceType, e.ResourceID, e.ExternalID, e.Name, e.Status, e.ScimType, e.Reason,
			e.TokenPrefix, e.TokenName, changes, e.Request, e.Response)
	}
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	res, err := tx.ExecContext(ctx, `
		INSERT INTO provisioning_log (tenant_id, at, latency_us, request_id, method, route, query, action, resource_type,
			resource_id, external_id, name, status, scim_type, reason, token_prefix, token_name, changes, request, response)
		VALUES `+strings.Repeat(row+", ", len(entries)-1)+row, args...)
	if err != nil {
		return err
	}
	last, err := res.LastInsertId()
	if err != nil {
		return err
	}
	// The rows took consecutive ids ending at last (one writer, AUTOINCREMENT).
	for i, e := range entries {
		e.ID = last - int64(len(entries)-1-i)
	}
	return nil
}

const logColumns = `id, tenant_id, at, latency_us, request_id, method, route, query, action, resource_type, resource_id,
	external_id, name, status, scim_type, reason, token_prefix, token_name, changes, request, response`

// Log returns the rows q selects.
func (db *DB) Log(ctx context.Context, q roster.LogQuery) ([]*roster.LogEntry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if q.TenantID != "" {
		add("tenant_id = ?", q.TenantID)
	}
	if !q.Since.IsZero() {
		add("at >= ?", formatTime(q.Since))
	}
	if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.StatusClass > 0 {
		add("status >= ? AND status < ?", q.StatusClass*100, q.StatusClass*100+100)
	}
	if q.User != "" {
		add("(resource_id = ? OR external_id = ? OR name = ?)", q.User, q.User, q.User)
	}
	if q.RequestID != "" {
		add("request_id = ?", q.RequestID)
	}
	if q.Before > 0 {
		add("id < ?", q.Before)
	}
	if q.After > 0 {
		add("id > ?", q.After)
	}
	query := `SELECT ` + logColumns + ` FROM provisioning_log`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	if q.Oldest {
		query += ` ORDER BY id`
	} else {
		query += ` ORDER BY id DESC`
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.logr.QueryContext(ctx, query+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: log: %w", err)
	}
	defer rows.Close()
	var es []*roster.LogEntry
	for rows.Next() {
		var (
			e       roster.LogEntry
			at      sql.NullString
			us      int64
			changes sql.NullString
		)
		err := rows.Scan(&e.ID, &e.TenantID, &at, &us, &e.RequestID, &e.Method, &e.Route, &e.Query, &e.Action, &e.ResourceType,
			&e.ResourceID, &e.ExternalID, &e.Name, &e.Status, &e.ScimType, &e.Reason, &e.TokenPrefix, &e.TokenName, &changes,
			&e.Request, &e.Response)
		if err != nil {
			return nil, fmt.Errorf("sqlite: log: %w", err)
		}
		if e.Time, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("sqlite: log: %w", err)
		}
		e.Latency = time.Duration(us) * time.Microsecond
		if changes.Valid {
			e.Changes = []byte(changes.String)
		}
		es = append(es, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: log: %w", err)
	}
	return es, nil
}

// PruneLog deletes the rows older than before, in batches, and returns how many.
func (db *DB) PruneLog(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := db.logw.ExecContext(ctx, `
			DELETE FROM provisioning_log WHERE id IN (SELECT id FROM provisioning_log WHERE at < ? LIMIT 5000)`, formatTime(before))
		if err != nil {
			return total, fmt.Errorf("sqlite: prune log: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: prune log: %w", err)
		}
		total += n
		if n < 5000 {
			return total, nil
		}
	}
}

// RecordRun notes when the maintenance task name last ran and what it did.
func (db *DB) RecordRun(ctx context.Context, name string, at time.Time, detail string) error {
	_, err := db.logw.ExecContext(ctx, `
		INSERT INTO maintenance_runs (name, at, detail) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail`, name, formatTime(at), detail)
	if err != nil {
		return fmt.Errorf("sqlite: record run: %w", err)
	}
	return nil
}

// LastRun returns when name last ran and what it did; the zero time when never.
func (db *DB) LastRun(ctx context.Context, name string) (time.Time, string, error) {
	var (
		at     sql.NullString
		detail string
	)
	err := db.logr.QueryRowContext(ctx, `SELECT at, detail FROM maintenance_runs WHERE name = ?`, name).Scan(&at, &detail)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, "", nil
	}
	if err != nil {
		return time.Time{}, "", fmt.Errorf("sqlite: last run: %w", err)
	}
	t, err := parseTime(at)
	return t, detail, err
}
