package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// removal is a deactivation or delete the guard counts: whose, which, and
// for a deactivation the user's entitlements before it (JSON).
type removal struct {
	user, kind string
	ent        []byte
}

// guardLock is the first key of the advisory lock that orders a tenant's
// guarded removals (the second is a hash of the tenant id), so that two
// removals never count the same window.
const guardLock = 0x47756172 // "Guar"

// guardCounts is what the guard reads of the tenant's window to decide a
// removal (queueGuard).
type guardCounts struct {
	counted, deleted, users int
	// heldBefore: a removal was held in the window already.
	heldBefore bool
}

// queueGuard queues on b, after the removal's own statements, what guard
// reads to decide it under g, into c: it takes the advisory lock that orders
// the tenant's guarded removals, forgets the counted removals older than any
// window, then counts the window (guardCounts' statements) and reads whether
// a removal was held in it already. Each statement takes its snapshot when
// it starts, so the counts see every removal committed before the lock was
// taken. Nothing is queued when g is off.
func queueGuard(b *pgx.Batch, t *tx, g roster.DeprovisionGuard, c *guardCounts) {
	if g.Off() {
		return
	}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(guardLock), t.tenantID)
	b.Queue(`DELETE FROM removals WHERE tenant_id = $1 AND NOT held AND at < $2`, t.tenantID, t.now.Add(-roster.MaxGuardWindow))
	since := t.now.Add(-g.Window)
	queueGuardCount(b, t, g, since, c)
	// The newest held removal (the held order index's last entry) tells
	// whether one was held in the window already.
	b.Queue(`SELECT coalesce((SELECT at >= $2 FROM removals WHERE tenant_id = $1 AND held
		ORDER BY seq DESC LIMIT 1), false)`, t.tenantID, since).
		QueryRow(func(r pgx.Row) error { return r.Scan(&c.heldBefore) })
}

// guard counts the removal r under the tenant's guard g and appends its event
// e, or, past g's limit, holds it: e is kept on the removal's row instead of
// the outbox, and the first removal held in the window appends
// provisioning.held. c is what queueGuard read, in the same transaction. It
// reports whether r was held. The removal's row goes with the commit.
func guard(t *tx, r removal, g roster.DeprovisionGuard, e outbox.Event, c *guardCounts) (bool, error) {
	if g.Off() {
		t.event(e)
		return false, nil
	}
	// The users a percent is of: those live now and those deleted in the window.
	extra := 0
	if r.kind == roster.HeldDelete {
		extra = 1
	}
	limit := g.Limit(c.users + c.deleted + extra)
	if c.counted < limit {
		t.queue(`INSERT INTO removals (tenant_id, id, user_id, kind, at) VALUES ($1, $2, $3, $4, $5)`,
			t.tenantID, row.NewID(), r.user, r.kind, t.now)
		t.event(e)
		return false, nil
	}
	body, err := e.Body()
	if err != nil {
		return false, err
	}
	t.queue(`INSERT INTO removals (tenant_id, id, user_id, kind, at, held, event_type, payload, entitlements)
		VALUES ($1, $2, $3, $4, $5, true, $6, $7::jsonb, $8::jsonb)`,
		t.tenantID, row.NewID(), r.user, r.kind, t.now, e.Type, string(body), nullJSON(r.ent))
	if !c.heldBefore {
		t.event(outbox.ProvisioningHeld(t.tenantID, limit, g.Window, c.counted+1, 1))
	}
	return true, nil
}

// queueGuardCount queues the count of the removals of the tenant's window
// that decide whether the next is held: with a maximum, at most that many
// (once there are as many the next is held, however many more there are), so
// that a burst being held costs each removal the same whatever its size; with
// a percent, all of them, the deletes among them, and the tenant's live users
// (kept in tenant_counts).
func queueGuardCount(b *pgx.Batch, t *tx, g roster.DeprovisionGuard, since time.Time, c *guardCounts) {
	if g.Max > 0 {
		b.Queue(`SELECT count(*) FROM (SELECT 1 FROM removals WHERE tenant_id = $1 AND at >= $2 LIMIT $3) w`,
			t.tenantID, since, g.Max).QueryRow(func(r pgx.Row) error { return r.Scan(&c.counted) })
		return
	}
	b.Queue(`SELECT count(*), count(*) FILTER (WHERE kind = 'delete'),
			(SELECT coalesce(sum(users), 0) FROM tenant_counts WHERE tenant_id = $1)
		FROM removals WHERE tenant_id = $1 AND at >= $2`, t.tenantID, since).
		QueryRow(func(r pgx.Row) error { return r.Scan(&c.counted, &c.deleted, &c.users) })
}

// HeldOperations returns at most q.Limit of the tenant's held operations
// after q.After, oldest first.
func (db *DB) HeldOperations(ctx context.Context, tenantID string, q roster.HeldQuery) ([]*roster.HeldOperation, error) {
	var limit *int // NULL: no limit
	if q.Limit > 0 {
		limit = &q.Limit
	}
	rows, _ := db.pool.Query(ctx, `SELECT h.id, h.user_id, coalesce(u.user_name, ''), h.kind, h.event_type, h.at
		FROM removals h LEFT JOIN users u ON u.tenant_id = h.tenant_id AND u.id = h.user_id
		WHERE h.tenant_id = $1 AND h.held
			AND h.seq > coalesce((SELECT seq FROM removals WHERE tenant_id = $1 AND id = $2 AND held), 0)
		ORDER BY h.seq LIMIT $3`, tenantID, q.After, limit)
	ops, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*roster.HeldOperation, error) {
		var o roster.HeldOperation
		err := r.Scan(&o.ID, &o.UserID, &o.UserName, &o.Kind, &o.Event, &o.Held)
		o.Held = o.Held.UTC()
		return &o, err
	})
	if err != nil {
		return nil, wrap("held operations", err)
	}
	return ops, nil
}

// CountHeld returns how many operations the tenant's guard holds.
func (db *DB) CountHeld(ctx context.Context, tenantID string) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM removals WHERE tenant_id = $1 AND held`, tenantID).Scan(&n)
	return n, wrap("count held", err)
}

// heldRow is a held operation with what its release or revert needs.
type heldRow struct {
	roster.HeldOperation
	seq          int64
	payload      []byte
	entitlements []byte
}

// heldRows reads (and locks) the tenant's held operations ids (all when
// empty), oldest first. ENOTFOUND naming an id that is not held.
func heldRows(ctx context.Context, t *tx, ids []string) ([]*heldRow, error) {
	rows, _ := t.Query(ctx, `SELECT h.seq, h.id, h.user_id, coalesce(u.user_name, ''), h.kind, h.event_type, h.at, h.payload, h.entitlements
		FROM removals h LEFT JOIN users u ON u.tenant_id = h.tenant_id AND u.id = h.user_id
		WHERE h.tenant_id = $1 AND h.held AND (coalesce(cardinality($2::text[]), 0) = 0 OR h.id = ANY($2))
		ORDER BY h.seq FOR UPDATE OF h`, t.tenantID, ids)
	hs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*heldRow, error) {
		var h heldRow
		err := r.Scan(&h.seq, &h.ID, &h.UserID, &h.UserName, &h.Kind, &h.Event, &h.Held, &h.payload, &h.entitlements)
		h.Held = h.Held.UTC()
		return &h, err
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(hs, func(h *heldRow) bool { return h.ID == id }) {
			return nil, roster.Errorf(roster.ENOTFOUND, "no held operation %q", id)
		}
	}
	return hs, nil
}

// ReleaseHeld appends the waiting events of the held operations ids (all
// when empty) in the order they were held, and forgets them. ENOTFOUND.
func (db *DB) ReleaseHeld(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error) {
	return db.settleHeld(ctx, "release held", tenantID, ids, false, func(t *tx, h *heldRow) error {
		t.event(outbox.Event{Type: h.Event, ResourceType: "User", ResourceID: h.UserID, Raw: h.payload})
		return nil
	})
}

// RevertHeld undoes the held operations ids (all when empty), newest first:
// a delete by restoreUser, a deactivation by making the user active again
// with its entitlements from before; each appends user.restored, and the
// waiting events are dropped. ENOTFOUND, ECONFLICT.
func (db *DB) RevertHeld(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error) {
	return db.settleHeld(ctx, "revert held", tenantID, ids, true, func(t *tx, h *heldRow) error {
		if h.Kind == roster.HeldDelete {
			return restoreUser(ctx, t, h.UserID)
		}
		return reactivateUser(ctx, t, h.UserID, h.entitlements)
	})
}

// settleHeld runs settle on each of the held operations ids (all when
// empty), in the order they were held or newest first, and forgets each, in
// one write.
func (db *DB) settleHeld(ctx context.Context, step, tenantID string, ids []string, newestFirst bool,
	settle func(*tx, *heldRow) error) ([]*roster.HeldOperation, error) {
	var ops []*roster.HeldOperation
	err := db.write(ctx, tenantID, func(t *tx) error {
		ops = nil
		hs, err := heldRows(ctx, t, ids)
		if err != nil {
			return err
		}
		if newestFirst {
			slices.Reverse(hs)
		}
		for _, h := range hs {
			if err := settle(t, h); err != nil {
				return err
			}
			if err := forgetHeld(ctx, t, h.seq); err != nil {
				return err
			}
			ops = append(ops, &h.HeldOperation)
		}
		return nil
	})
	return ops, wrap(step, err)
}

// reactivateUser makes the user of a held deactivation active again, with
// the entitlements it had before (ent), and appends user.restored.
// ECONFLICT when the user was deleted since.
func reactivateUser(ctx context.Context, t *tx, id string, ent []byte) error {
	e, err := row.DecodeEntitlements(ent)
	if err != nil {
		return err
	}
	var doc []byte
	err = t.QueryRow(ctx, `UPDATE users SET active = true, doc = jsonb_set(doc, '{active}', 'true'),
			app_active = $1, access_role = $2, entitlements = $3::jsonb, version = version + 1, modified = $4
		WHERE tenant_id = $5 AND id = $6 AND retired IS NULL RETURNING doc`,
		e.Active, e.AccessRole, string(ent), t.now, t.tenantID, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Errorf(roster.ECONFLICT, "user %s was deleted after its deactivation was held: revert the delete first", id)
	}
	if err != nil {
		return err
	}
	d, err := row.DecodeDoc(doc)
	if err != nil {
		return err
	}
	t.event(outbox.Created(roster.UserRestored, "User", id, d, nil))
	return nil
}

// forgetHeld removes a held operation's row: it no longer counts in the window.
func forgetHeld(ctx context.Context, t *tx, seq int64) error {
	_, err := t.Exec(ctx, `DELETE FROM removals WHERE tenant_id = $1 AND seq = $2`, t.tenantID, seq)
	return err
}
