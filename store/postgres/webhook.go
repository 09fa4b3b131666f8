package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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
	types := w.Types
	if types == nil {
		types = []string{}
	}
	_, err := db.pool.Exec(ctx, `
		INSERT INTO webhooks (id, tenant_id, url, secret, types, created, cursor) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		w.ID, nullString(w.TenantID), w.URL, w.Secret, types, w.Created, w.Cursor)
	switch code, _ := sqlState(err); {
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", w.TenantID)
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "webhook id %q is already taken", w.ID)
	case err != nil:
		return wrap("create webhook", err)
	}
	return nil
}

const webhookColumns = `id, tenant_id, url, secret, types, created, cursor, attempts, next_attempt, failing_since, failed, last_error`

// Webhooks lists every webhook, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]*roster.Webhook, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY created, id`)
	ws, err := pgx.CollectRows(rows, scanWebhook)
	if err != nil {
		return nil, wrap("webhooks", err)
	}
	return ws, nil
}

// Webhook returns one webhook. ENOTFOUND.
func (db *DB) Webhook(ctx context.Context, id string) (*roster.Webhook, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id)
	w, err := pgx.CollectExactlyOneRow(rows, scanWebhook)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, webhookMissing(id)
	}
	if err != nil {
		return nil, wrap("webhook", err)
	}
	return w, nil
}

func webhookMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "webhook %q does not exist", id)
}

func scanWebhook(cr pgx.CollectableRow) (*roster.Webhook, error) {
	var (
		w                            roster.Webhook
		tenantID                     *string
		next, failingSince, failedAt *time.Time
	)
	err := cr.Scan(&w.ID, &tenantID, &w.URL, &w.Secret, &w.Types, &w.Created, &w.Cursor, &w.Attempts,
		&next, &failingSince, &failedAt, &w.LastError)
	if err != nil {
		return nil, err
	}
	if tenantID != nil {
		w.TenantID = *tenantID
	}
	if len(w.Types) == 0 {
		w.Types = nil
	}
	w.Created, w.NextAttempt, w.FailingSince, w.Failed = w.Created.UTC(), fromNull(next), fromNull(failingSince), fromNull(failedAt)
	return &w, nil
}

// DeleteWebhook removes the webhook and its deliveries. ENOTFOUND.
func (db *DB) DeleteWebhook(ctx context.Context, id string) error {
	return db.updateWebhook(ctx, "delete webhook", id, `DELETE FROM webhooks WHERE id = $1`, id)
}

// ResetWebhook sets the cursor, clears the failure state and makes the webhook due at once. ENOTFOUND.
func (db *DB) ResetWebhook(ctx context.Context, id string, cursor int64) error {
	return db.updateWebhook(ctx, "reset webhook", id, `
		UPDATE webhooks SET cursor = $2, attempts = 0, next_attempt = NULL, failing_since = NULL, failed = NULL,
			last_error = '' WHERE id = $1`, id, cursor)
}

// ReleaseWebhook ends owner's lease.
func (db *DB) ReleaseWebhook(ctx context.Context, id, owner string) error {
	_, err := db.pool.Exec(ctx, `UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`, id, owner)
	if err != nil {
		return wrap("release webhook", err)
	}
	return nil
}

// ReplaceWebhookSecret stores secret when the webhook's secret is still old.
func (db *DB) ReplaceWebhookSecret(ctx context.Context, id, old, secret string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE webhooks SET secret = $3 WHERE id = $1 AND secret = $2`, id, old, secret)
	if err != nil {
		return false, wrap("replace webhook secret", err)
	}
	return tag.RowsAffected() == 1, nil
}

// updateWebhook runs a statement on one webhook row; ENOTFOUND when it touched none.
func (db *DB) updateWebhook(ctx context.Context, step, id, query string, args ...any) error {
	tag, err := db.pool.Exec(ctx, query, args...)
	if err != nil {
		return wrap(step, err)
	}
	if tag.RowsAffected() == 0 {
		return webhookMissing(id)
	}
	return nil
}

// LeaseWebhook gives owner the webhook until until, when it is due and free.
func (db *DB) LeaseWebhook(ctx context.Context, id, owner string, now, until time.Time) (*roster.Webhook, error) {
	rows, _ := db.pool.Query(ctx, `
		UPDATE webhooks SET lease_owner = $2, lease_until = $3
		WHERE id = $1 AND failed IS NULL AND (next_attempt IS NULL OR next_attempt <= $4)
			AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < $4)
		RETURNING `+webhookColumns, id, owner, until, now)
	w, err := pgx.CollectExactlyOneRow(rows, scanWebhook)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("lease webhook", err)
	}
	return w, nil
}

// RecordDeliveries stores the attempts and w's delivery state when owner still
// holds the lease, and renews the lease.
func (db *DB) RecordDeliveries(ctx context.Context, owner string, w *roster.Webhook, ds []*roster.Delivery, until time.Time) error {
	err := pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error {
		tag, err := t.Exec(ctx, `
			UPDATE webhooks SET cursor = $3, attempts = $4, next_attempt = $5, failing_since = $6, failed = $7, last_error = $8,
				lease_until = $9
			WHERE id = $1 AND lease_owner = $2`,
			w.ID, owner, w.Cursor, w.Attempts, nullTime(w.NextAttempt), nullTime(w.FailingSince), nullTime(w.Failed), w.LastError, until)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return roster.Errorf(roster.EPRECONDITION, "webhook %q is not leased by %s", w.ID, owner)
		}
		b := &pgx.Batch{}
		for _, d := range ds {
			b.Queue(`
				INSERT INTO webhook_deliveries (webhook_id, seq, event_id, event_type, attempt, at, status, error, duration_us)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				w.ID, d.Seq, d.EventID, d.EventType, d.Attempt, d.Time, d.Status, d.Error, d.Duration.Microseconds()).
				QueryRow(func(row pgx.Row) error { d.WebhookID = w.ID; return row.Scan(&d.ID) })
		}
		if len(ds) > 0 {
			// Keep the last 1,000 attempts of each webhook.
			b.Queue(`DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND id < (
				SELECT min(id) FROM (SELECT id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT 1000) recent)`, w.ID)
		}
		return t.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return wrap("record deliveries", err)
	}
	return nil
}

// Deliveries returns the webhook's recent attempts, newest first.
func (db *DB) Deliveries(ctx context.Context, webhookID string, limit int) ([]*roster.Delivery, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT id, webhook_id, seq, event_id, event_type, attempt, at, status, error, duration_us
		FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`, webhookID, limit)
	ds, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (*roster.Delivery, error) {
		var (
			d  roster.Delivery
			us int64
		)
		if err := cr.Scan(&d.ID, &d.WebhookID, &d.Seq, &d.EventID, &d.EventType, &d.Attempt, &d.Time, &d.Status, &d.Error, &us); err != nil {
			return nil, err
		}
		d.Time, d.Duration = d.Time.UTC(), time.Duration(us)*time.Microsecond
		return &d, nil
	})
	if err != nil {
		return nil, wrap("deliveries", err)
	}
	return ds, nil
}
