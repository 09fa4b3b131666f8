package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateWebhook stores w, filling ID (when empty) and Created. ENOTFOUND when its tenant does not exist.
func (db *DB) CreateWebhook(ctx context.Context, w *roster.Webhook) error {
	if w.URL == "" || w.Secret == "" {
		return roster.Errorf(roster.EINVALID, "a webhook needs a URL and a secret")
	}
	if w.ID == "" {
		w.ID = row.NewID()
	}
	w.Created = db.stamp()
	types := jsonArray(w.Types)
	_, err := db.exec(ctx, `
		INSERT INTO webhooks (id, tenant_id, url, secret, types, created, cursor) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		w.ID, nullString(w.TenantID), w.URL, w.Secret, types, formatTime(w.Created), w.Cursor)
	switch {
	case isForeignKey(err):
		return tenantMissing(w.TenantID)
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "webhook id %q is already taken", w.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create webhook: %w", err)
	}
	return nil
}

const webhookColumns = `id, tenant_id, url, secret, types, created, cursor, attempts, next_attempt, failing_since, failed, last_error`

// Webhooks lists every webhook, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]*roster.Webhook, error) {
	rows, err := db.query(ctx, nil, `SELECT `+webhookColumns+` FROM webhooks ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhooks: %w", err)
	}
	defer rows.Close()
	var ws []*roster.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: webhooks: %w", err)
		}
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: webhooks: %w", err)
	}
	return ws, nil
}

// Webhook returns one webhook. ENOTFOUND.
func (db *DB) Webhook(ctx context.Context, id string) (*roster.Webhook, error) {
	w, err := scanWebhook(db.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webhookMissing(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhook: %w", err)
	}
	return w, nil
}

func webhookMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "webhook %q does not exist", id)
}

func scanWebhook(s scanner) (*roster.Webhook, error) {
	var (
		w                                     roster.Webhook
		tenantID                              sql.NullString
		types                                 string
		created, next, failingSince, failedAt sql.NullString
	)
	err := s.Scan(&w.ID, &tenantID, &w.URL, &w.Secret, &types, &created, &w.Cursor, &w.Attempts,
		&next, &failingSince, &failedAt, &w.LastError)
	if err != nil {
		return nil, err
	}
	w.TenantID = tenantID.String
	if err := json.Unmarshal([]byte(types), &w.Types); err != nil {
		return nil, fmt.Errorf("bad webhook types %q: %w", types, err)
	}
	if len(w.Types) == 0 {
		w.Types = nil
	}
	err = parseTimes([]*time.Time{&w.Created, &w.NextAttempt, &w.FailingSince, &w.Failed}, created, next, failingSince, failedAt)
	return &w, err
}

// DeleteWebhook removes the webhook and its deliveries. ENOTFOUND.
func (db *DB) DeleteWebhook(ctx context.Context, id string) error {
	return db.updateWebhook(ctx, "delete webhook", id, `DELETE FROM webhooks WHERE id = ?`, id)
}

// ResetWebhook sets the cursor, clears the failure state and makes the webhook due at once. ENOTFOUND.
func (db *DB) ResetWebhook(ctx context.Context, id string, cursor int64) error {
	return db.updateWebhook(ctx, "reset webhook", id, `
		UPDATE webhooks SET cursor = ?, attempts = 0, next_attempt = NULL, failing_since = NULL, failed = NULL,
			last_error = '' WHERE id = ?`, cursor, id)
}

// ReleaseWebhook ends owner's lease.
func (db *DB) ReleaseWebhook(ctx context.Context, id, owner string) error {
	_, err := db.exec(ctx, `UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?`, id, owner)
	if err != nil {
		return fmt.Errorf("sqlite: release webhook: %w", err)
	}
	return nil
}

// ReplaceWebhookSecret stores secret when the webhook's secret is still old.
func (db *DB) ReplaceWebhookSecret(ctx context.Context, id, old, secret string) (bool, error) {
	n, err := db.exec(ctx, `UPDATE webhooks SET secret = ? WHERE id = ? AND secret = ?`, secret, id, old)
	if err != nil {
		return false, fmt.Errorf("sqlite: replace webhook secret: %w", err)
	}
	return n == 1, nil
}

// updateWebhook runs a statement on one webhook row; ENOTFOUND when it touched none.
func (db *DB) updateWebhook(ctx context.Context, step, id, query string, args ...any) error {
	n, err := db.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", step, err)
	}
	if n == 0 {
		return webhookMissing(id)
	}
	return nil
}

// LeaseWebhook gives owner the webhook until until, when it is due and free.
func (db *DB) LeaseWebhook(ctx context.Context, id, owner string, now, until time.Time) (*roster.Webhook, error) {
	n := formatTime(now)
	var w *roster.Webhook
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		w, err = scanWebhook(txQueryRow(ctx, tx, `
			UPDATE webhooks SET lease_owner = ?, lease_until = ?
			WHERE id = ? AND failed IS NULL AND (next_attempt IS NULL OR next_attempt <= ?)
				AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
			RETURNING `+webhookColumns, owner, formatTime(until), id, n, owner, n))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: lease webhook: %w", err)
	}
	return w, nil
}

// RecordDeliveries stores the attempts and w's delivery state when owner still
// holds the lease, and renews the lease.
func (db *DB) RecordDeliveries(ctx context.Context, owner string, w *roster.Webhook, ds []*roster.Delivery, until time.Time) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return recordDeliveries(ctx, tx, owner, w, ds, until)
	})
	var re *roster.Error
	if err != nil && !errors.As(err, &re) {
		return fmt.Errorf("sqlite: record deliveries: %w", err)
	}
	return err
}

func recordDeliveries(ctx context.Context, tx *sql.Tx, owner string, w *roster.Webhook, ds []*roster.Delivery, until time.Time) error {
	res, err := txExec(ctx, tx, `
		UPDATE webhooks SET cursor = ?, attempts = ?, next_attempt = ?, failing_since = ?, failed = ?, last_error = ?,
			lease_until = ?
		WHERE id = ? AND lease_owner = ?`,
		w.Cursor, w.Attempts, nullTime(w.NextAttempt), nullTime(w.FailingSince), nullTime(w.Failed), w.LastError,
		formatTime(until), w.ID, owner)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return roster.Errorf(roster.EPRECONDITION, "webhook %q is not leased by %s", w.ID, owner)
	}
	for _, d := range ds {
		err = txQueryRow(ctx, tx, `
			INSERT INTO webhook_deliveries (webhook_id, seq, event_id, event_type, attempt, at, status, error, duration_us)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			w.ID, d.Seq, d.EventID, d.EventType, d.Attempt, formatTime(d.Time), d.Status, d.Error, d.Duration.Microseconds()).Scan(&d.ID)
		if err != nil {
			return err
		}
		d.WebhookID = w.ID
	}
	if len(ds) == 0 {
		return nil
	}
	// Keep the last 1,000 attempts of each webhook.
	last := ds[len(ds)-1].ID
	_, err = txExec(ctx, tx, `DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id <= ? - 1000`, w.ID, last)
	return err
}

// Deliveries returns the webhook's recent attempts, newest first.
func (db *DB) Deliveries(ctx context.Context, webhookID string, limit int) ([]*roster.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT id, webhook_id, seq, event_id, event_type, attempt, at, status, error, duration_us
		FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: deliveries: %w", err)
	}
	defer rows.Close()
	var ds []*roster.Delivery
	for rows.Next() {
		var (
			d  roster.Delivery
			at sql.NullString
			us int64
		)
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.Seq, &d.EventID, &d.EventType, &d.Attempt, &at, &d.Status, &d.Error, &us); err != nil {
			return nil, fmt.Errorf("sqlite: deliveries: %w", err)
		}
		if d.Time, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("sqlite: deliveries: %w", err)
		}
		d.Duration = time.Duration(us) * time.Microsecond
		ds = append(ds, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: deliveries: %w", err)
	}
	return ds, nil
}
