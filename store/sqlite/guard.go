package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// removal is a deactivation or delete the guard counts: whose, which, and
// for a deactivation the user's entitlements before it (the column's text).
type removal struct {
	user, kind, ent string
}

// guard counts the removal r under the tenant's guard g and appends its event
// e, or, past g's limit, holds it: e is kept on the removal's row instead of
// the outbox, and the first removal held in the window appends
// provisioning.held. It reports whether r was held. The writer runs one
// transaction at a time, so that two removals never count the same window.
func guard(ctx context.Context, tx *sql.Tx, tenantID string, r removal, g roster.DeprovisionGuard, e outbox.Event, now time.Time) (bool, error) {
	if g.Off() {
		return false, appendEvent(ctx, tx, tenantID, now, e)
	}
	if _, err := txExec(ctx, tx, `DELETE FROM removals WHERE tenant_id = ? AND NOT held AND at < ?`,
		tenantID, formatTime(now.Add(-roster.MaxGuardWindow))); err != nil {
		return false, err
	}
	counted, deleted, users, err := guardCount(ctx, tx, tenantID, g, now)
	if err != nil {
		return false, err
	}
	// The users a percent is of: those live now and those deleted in the window.
	limit := g.Limit(users + deleted + btoi(r.kind == roster.HeldDelete))
	if counted < limit {
		_, err := txExec(ctx, tx, `INSERT INTO removals (tenant_id, id, user_id, kind, at) VALUES (?, ?, ?, ?, ?)`,
			tenantID, row.NewID(), r.user, r.kind, formatTime(now))
		if err != nil {
			return false, err
		}
		return false, appendEvent(ctx, tx, tenantID, now, e)
	}
	// The newest held removal (the held order index's last entry) tells
	// whether one was held in the window already.
	var last string
	err = txQueryRow(ctx, tx, `SELECT at FROM removals WHERE tenant_id = ? AND held = 1 ORDER BY seq DESC LIMIT 1`,
		tenantID).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	heldBefore := last != "" && last >= formatTime(now.Add(-g.Window))
	w, err := e.Row()
	if err != nil {
		return false, err
	}
	_, err = txExec(ctx, tx, `INSERT INTO removals (tenant_id, id, user_id, kind, at, held, event_type, payload, entitlements)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`,
		tenantID, row.NewID(), r.user, r.kind, formatTime(now), w.Type, w.Payload, nullString(r.ent))
	if err != nil {
		return false, err
	}
	if heldBefore {
		return true, nil
	}
	return true, appendEvent(ctx, tx, tenantID, now, outbox.ProvisioningHeld(tenantID, limit, g.Window, counted+1, 1))
}

// guardCount counts the removals of the tenant's window that decide whether
// the next is held: with a maximum, at most that many (once there are as many
// the next is held, however many more there are), so that a burst being held
// costs each removal the same whatever its size; with a percent, all of them,
// the deletes among them, and the tenant's live users (kept in tenant_counts).
func guardCount(ctx context.Context, tx *sql.Tx, tenantID string, g roster.DeprovisionGuard, now time.Time) (counted, deleted, users int, err error) {
	since := formatTime(now.Add(-g.Window))
	if g.Max > 0 {
		err = txQueryRow(ctx, tx, `SELECT count(*) FROM (SELECT 1 FROM removals WHERE tenant_id = ? AND at >= ? LIMIT ?)`,
			tenantID, since, g.Max).Scan(&counted)
		return counted, 0, 0, err
	}
	err = txQueryRow(ctx, tx, `SELECT count(*), coalesce(sum(kind = 'delete'), 0),
			coalesce((SELECT users FROM tenant_counts WHERE tenant_id = ?1), 0)
		FROM removals WHERE tenant_id = ?1 AND at >= ?2`, tenantID, since).Scan(&counted, &deleted, &users)
	return counted, deleted, users, err
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// heldPageQuery reads the first ?3 held operations of the tenant ?1 after
// the one whose id is ?2, a range of removals_held_seq.
const heldPageQuery = `SELECT h.id, h.user_id, coalesce(u.user_name, ''), h.kind, h.event_type, h.at
	FROM removals h LEFT JOIN users u ON u.tenant_id = h.tenant_id AND u.id = h.user_id
	WHERE h.tenant_id = ?1 AND h.held = 1
		AND h.seq > coalesce((SELECT seq FROM removals WHERE tenant_id = ?1 AND id = ?2 AND held = 1), 0)
	ORDER BY h.seq LIMIT ?3`

// HeldOperations returns at most q.Limit of the tenant's held operations
// after q.After, oldest first.
func (db *DB) HeldOperations(ctx context.Context, tenantID string, q roster.HeldQuery) ([]*roster.HeldOperation, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = -1 // no limit
	}
	rows, err := db.read.QueryContext(ctx, heldPageQuery, tenantID, q.After, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: held operations: %w", err)
	}
	defer rows.Close()
	var ops []*roster.HeldOperation
	for rows.Next() {
		var (
			o  roster.HeldOperation
			at string
		)
		if err := rows.Scan(&o.ID, &o.UserID, &o.UserName, &o.Kind, &o.Event, &at); err != nil {
			return nil, fmt.Errorf("sqlite: held operations: %w", err)
		}
		if o.Held, err = parseTime(sql.NullString{String: at, Valid: true}); err != nil {
			return nil, fmt.Errorf("sqlite: held operations: %w", err)
		}
		ops = append(ops, &o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: held operations: %w", err)
	}
	return ops, nil
}

// CountHeld returns how many operations the tenant's guard holds.
func (db *DB) CountHeld(ctx context.Context, tenantID string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM removals WHERE tenant_id = ? AND held = 1`, tenantID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count held: %w", err)
	}
	return n, nil
}

// heldRow is a held operation with what its release or revert needs.
type heldRow struct {
	roster.HeldOperation
	seq          int64
	payload      string
	entitlements sql.NullString
}

// heldRows reads the tenant's held operations ids (all when empty), oldest
// first. ENOTFOUND naming an id that is not held.
func heldRows(ctx context.Context, tx *sql.Tx, tenantID string, ids []string) ([]*heldRow, error) {
	q := `SELECT h.seq, h.id, h.user_id, coalesce(u.user_name, ''), h.kind, h.event_type, h.at, h.payload, h.entitlements
		FROM removals h LEFT JOIN users u ON u.tenant_id = h.tenant_id AND u.id = h.user_id
		WHERE h.tenant_id = ? AND h.held`
	args := []any{tenantID}
	if len(ids) > 0 {
		q += ` AND h.id IN (SELECT value FROM json_each(?))`
		args = append(args, jsonArray(ids))
	}
	rows, err := txQuery(ctx, tx, q+` ORDER BY h.seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hs []*heldRow
	for rows.Next() {
		var (
			h  heldRow
			at string
		)
		if err := rows.Scan(&h.seq, &h.ID, &h.UserID, &h.UserName, &h.Kind, &h.Event, &at, &h.payload, &h.entitlements); err != nil {
			return nil, err
		}
		if h.Held, err = parseTime(sql.NullString{String: at, Valid: true}); err != nil {
			return nil, err
		}
		hs = append(hs, &h)
	}
	if err := rows.Err(); err != nil {
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
	now := db.stamp()
	return db.settleHeld(ctx, "release held", tenantID, ids, false, func(ctx context.Context, tx *sql.Tx, h *heldRow) error {
		w := outbox.Row{ID: row.NewID(), Type: h.Event, ResourceType: "User", ResourceID: h.UserID, Payload: h.payload}
		return appendEventRow(ctx, tx, tenantID, now, w)
	})
}

// RevertHeld undoes the held operations ids (all when empty), newest first:
// a delete by restoreUser, a deactivation by making the user active again
// with its entitlements from before; each appends user.restored, and the
// waiting events are dropped. ENOTFOUND, ECONFLICT.
func (db *DB) RevertHeld(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error) {
	now := db.stamp()
	return db.settleHeld(ctx, "revert held", tenantID, ids, true, func(ctx context.Context, tx *sql.Tx, h *heldRow) error {
		if h.Kind == roster.HeldDelete {
			return restoreUser(ctx, tx, tenantID, h.UserID, now)
		}
		return reactivateUser(ctx, tx, tenantID, h.UserID, h.entitlements.String, now)
	})
}

// settleHeld runs settle on each of the held operations ids (all when
// empty), in the order they were held or newest first, and forgets each, in
// one write.
func (db *DB) settleHeld(ctx context.Context, step, tenantID string, ids []string, newestFirst bool,
	settle func(context.Context, *sql.Tx, *heldRow) error) ([]*roster.HeldOperation, error) {
	var ops []*roster.HeldOperation
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ops = nil
		hs, err := heldRows(ctx, tx, tenantID, ids)
		if err != nil {
			return err
		}
		if newestFirst {
			slices.Reverse(hs)
		}
		for _, h := range hs {
			if err := settle(ctx, tx, h); err != nil {
				return err
			}
			if err := forgetHeld(ctx, tx, tenantID, h.seq); err != nil {
				return err
			}
			ops = append(ops, &h.HeldOperation)
		}
		return nil
	})
	return ops, storeError(step, err)
}

// reactivateUser makes the user of a held deactivation active again, with
// the entitlements it had before (ent), and appends user.restored.
// ECONFLICT when the user was deleted since. The document is written as
// row.EncodeDoc writes it, as every write of a user does (see UserDoc).
func reactivateUser(ctx context.Context, tx *sql.Tx, tenantID, id, ent string, now time.Time) error {
	e, err := row.DecodeEntitlements([]byte(ent))
	if err != nil {
		return err
	}
	old, err := lockUser(ctx, tx, tenantID, id)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return roster.Errorf(roster.ECONFLICT, "user %s was deleted after its deactivation was held: revert the delete first", id)
	}
	if err != nil {
		return err
	}
	old.doc["active"] = true
	doc, err := row.EncodeDoc(old.doc)
	if err != nil {
		return err
	}
	_, err = txExec(ctx, tx, `UPDATE users SET active = 1, doc = ?,
			app_active = ?, access_role = ?, entitlements = ?, version = version + 1, modified = ?
		WHERE tenant_id = ? AND id = ?`,
		doc, e.Active, e.AccessRole, ent, formatTime(now), tenantID, id)
	if err != nil {
		return err
	}
	return appendEvent(ctx, tx, tenantID, now, outbox.Created(roster.UserRestored, "User", id, old.doc, nil))
}

// forgetHeld removes a held operation's row: it no longer counts in the window.
func forgetHeld(ctx context.Context, tx *sql.Tx, tenantID string, seq int64) error {
	_, err := txExec(ctx, tx, `DELETE FROM removals WHERE tenant_id = ? AND seq = ?`, tenantID, seq)
	return err
}
