package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// AppendLog stores the entries in one statement, filling their IDs.
func (db *DB) AppendLog(ctx context.Context, entries []*roster.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, e := range entries {
		var changes any
		if len(e.Changes) > 0 {
			changes = jsonText(e.Changes)
		}
		t := text
		b.Queue(`
			INSERT INTO provisioning_log (tenant_id, at, latency_us, request_id, method, route, query, action, resource_type,
				resource_id, external_id, name, status, scim_type, reason, token_prefix, token_name, changes, request, response)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::jsonb, $19, $20) RETURNING id`,
			t(e.TenantID), e.Time, e.Latency.Microseconds(), t(e.RequestID), t(e.Method), t(e.Route), t(e.Query), t(e.Action),
			t(e.ResourceType), t(e.ResourceID), t(e.ExternalID), t(e.Name), e.Status, t(e.ScimType), t(e.Reason),
			t(e.TokenPrefix), t(e.TokenName), changes, t(e.Request), t(e.Response)).QueryRow(func(row pgx.Row) error { return row.Scan(&e.ID) })
	}
	err := pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error { return t.SendBatch(ctx, b).Close() })
	if err != nil {
		return wrap("append log", err)
	}
	return nil
}

// text is s as PostgreSQL's text takes it: a NUL byte and invalid UTF-8,
// which it refuses, become U+FFFD. The log keeps what a client sent, whatever
// it sent, so its rows never fail on their text.
func text(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// jsonText is a JSON document as jsonb takes it: the escape \u0000, which
// jsonb refuses, becomes \ufffd, and the rest as text does.
func jsonText(doc []byte) string {
	s := text(string(doc))
	if !strings.Contains(s, `\u0000`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if strings.HasPrefix(s[i:], `\u0000`) {
			b.WriteString(`\ufffd`)
			i += len(`\u0000`) - 1
			continue
		}
		b.WriteString(s[i : i+min(2, len(s)-i)]) // an escape and the character it escapes
		i++
	}
	return b.String()
}

const logColumns = `id, tenant_id, at, latency_us, request_id, method, route, query, action, resource_type, resource_id,
	external_id, name, status, scim_type, reason, token_prefix, token_name, changes, request, response`

// Log returns the rows q selects.
func (db *DB) Log(ctx context.Context, q roster.LogQuery) ([]*roster.LogEntry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, a any) {
		args = append(args, a)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if q.TenantID != "" {
		add("tenant_id = $?", q.TenantID)
	}
	if q.Unattributed {
		where = append(where, "tenant_id = ''")
	}
	if len(q.TokenPrefixes) > 0 {
		add("token_prefix = ANY($?)", q.TokenPrefixes)
	}
	if q.SCIM {
		add("action <> ALL($?)", roster.SignInActions)
	}
	if !q.Since.IsZero() {
		add("at >= $?", q.Since)
	}
	if !q.Until.IsZero() {
		add("at < $?", q.Until)
	}
	if q.Action != "" {
		add("action = $?", q.Action)
	}
	if q.Method != "" {
		add("method = $?", q.Method)
	}
	if q.StatusClass > 0 {
		add("status / 100 = $?", q.StatusClass)
	}
	if q.Status > 0 {
		add("status = $?", q.Status)
	}
	if q.Failed {
		where = append(where, "status >= 400")
	}
	if q.Reason != "" {
		// The second condition lets the planner use the partial index of
		// reasons (migration 00019) whatever plan it makes.
		add("reason = $?", q.Reason)
		where = append(where, "reason <> ''")
	}
	if q.User != "" {
		add("(resource_id = $? OR external_id = $? OR lower(name) = lower($?))", q.User)
	}
	if q.RequestID != "" {
		add("request_id = $?", q.RequestID)
	}
	if q.Before > 0 {
		add("id < $?", q.Before)
	}
	if q.After > 0 {
		add("id > $?", q.After)
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
	// Planned for each query's own values (an unnamed statement), never with
	// a generic plan: the conditions' selectivity differs by value, and for a
	// rare user or reason the generic plan walks the tenant's whole log in id
	// order (0.5 s at 300,000 rows) where the indexes find its rows at once.
	rows, _ := db.pool.Query(ctx, query+` LIMIT `+strconv.Itoa(limit), append([]any{pgx.QueryExecModeExec}, args...)...)
	es, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (*roster.LogEntry, error) {
		var (
			e       roster.LogEntry
			us      int64
			changes []byte
		)
		err := cr.Scan(&e.ID, &e.TenantID, &e.Time, &us, &e.RequestID, &e.Method, &e.Route, &e.Query, &e.Action, &e.ResourceType,
			&e.ResourceID, &e.ExternalID, &e.Name, &e.Status, &e.ScimType, &e.Reason, &e.TokenPrefix, &e.TokenName, &changes,
			&e.Request, &e.Response)
		e.Time, e.Latency, e.Changes = e.Time.UTC(), time.Duration(us)*time.Microsecond, changes
		return &e, err
	})
	if err != nil {
		return nil, wrap("log", err)
	}
	return es, nil
}

// PruneLog deletes the rows older than before, in batches, and returns how many.
func (db *DB) PruneLog(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		tag, err := db.pool.Exec(ctx, `
			DELETE FROM provisioning_log WHERE id IN (SELECT id FROM provisioning_log WHERE at < $1 LIMIT 5000)`, before)
		if err != nil {
			return total, wrap("prune log", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < 5000 {
			return total, nil
		}
	}
}

// RecordRun notes when the maintenance task name last ran and what it did.
func (db *DB) RecordRun(ctx context.Context, name string, at time.Time, detail string) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO maintenance_runs (name, at, detail) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail`, name, at, detail)
	if err != nil {
		return wrap("record run", err)
	}
	return nil
}

// LastRun returns when name last ran and what it did; the zero time when never.
func (db *DB) LastRun(ctx context.Context, name string) (time.Time, string, error) {
	var (
		at     time.Time
		detail string
	)
	err := db.pool.QueryRow(ctx, `SELECT at, detail FROM maintenance_runs WHERE name = $1`, name).Scan(&at, &detail)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, "", nil
	}
	if err != nil {
		return time.Time{}, "", wrap("last run", err)
	}
	return at.UTC(), detail, nil
}
