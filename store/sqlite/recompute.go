package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// startRecompute starts the tenant's recomputation under policy version,
// replacing the one before, in the transaction that sets the policy. Its
// total is the tenant's live users, read from tenant_counts.
func startRecompute(ctx context.Context, tx *sql.Tx, tenantID string, version int64, now time.Time) error {
	_, err := txExec(ctx, tx, `
		INSERT INTO policy_recomputes (tenant_id, version, total, started)
		VALUES (?1, ?2, coalesce((SELECT users FROM tenant_counts WHERE tenant_id = ?1), 0), ?3)
		ON CONFLICT (tenant_id) DO UPDATE SET version = excluded.version, total = excluded.total,
			done = 0, changed = 0, after = '', started = excluded.started, finished = NULL, owner = '', lease_until = ''`,
		tenantID, version, formatTime(now))
	return err
}

const recomputeColumns = `tenant_id, version, total, done, changed, after, started, finished, owner`

func scanRecompute(sc interface{ Scan(...any) error }) (*roster.Recompute, error) {
	var (
		r                 roster.Recompute
		started, finished sql.NullString
	)
	if err := sc.Scan(&r.TenantID, &r.Version, &r.Total, &r.Done, &r.Changed, &r.After, &started, &finished, &r.Owner); err != nil {
		return nil, err
	}
	if err := parseTimes([]*time.Time{&r.Started, &r.Finished}, started, finished); err != nil {
		return nil, err
	}
	return &r, nil
}

// Recompute returns the tenant's latest recomputation. ENOTFOUND when there is none.
func (db *DB) Recompute(ctx context.Context, tenantID string) (*roster.Recompute, error) {
	r, err := scanRecompute(db.read.QueryRowContext(ctx, `SELECT `+recomputeColumns+`
		FROM policy_recomputes WHERE tenant_id = ?`, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "tenant %s has no recomputation", tenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: recompute: %w", err)
	}
	return r, nil
}

// ClaimRecompute leases an unfinished recomputation nobody holds to owner.
// ENOTFOUND when there is none.
func (db *DB) ClaimRecompute(ctx context.Context, owner string, now, until time.Time) (*roster.Recompute, error) {
	var r *roster.Recompute
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		r, err = scanRecompute(txQueryRow(ctx, tx, `
			UPDATE policy_recomputes SET owner = ?1, lease_until = ?2
			WHERE tenant_id = (SELECT tenant_id FROM policy_recomputes
				WHERE finished IS NULL AND (owner = '' OR lease_until < ?3) ORDER BY started LIMIT 1)
			RETURNING `+recomputeColumns, owner, formatTime(until), formatTime(now)))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no recomputation waits")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim recompute: %w", err)
	}
	return r, nil
}

// RecomputeBatch recomputes the entitlements of the next n users of r in one
// transaction. EPRECONDITION when r's owner lost it.
func (db *DB) RecomputeBatch(ctx context.Context, r *roster.Recompute, n int, entitle func(map[string]any) roster.Entitlements, until time.Time) error {
	now := db.stamp()
	var next roster.Recompute
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		next = *r
		var held int
		err := txQueryRow(ctx, tx, `SELECT count(*) FROM policy_recomputes
			WHERE tenant_id = ? AND version = ? AND owner = ? AND finished IS NULL`, r.TenantID, r.Version, r.Owner).Scan(&held)
		if err != nil {
			return err
		}
		if held == 0 {
			return roster.Errorf(roster.EPRECONDITION, "the recomputation of tenant %s under policy %d is no longer %s's", r.TenantID, r.Version, r.Owner)
		}
		done, changed, err := recomputeUsers(ctx, tx, &next, n, entitle, now)
		if err != nil {
			return err
		}
		next.Done += int64(done)
		next.Changed += int64(changed)
		var finished any
		if done < n {
			next.Finished, finished = now, formatTime(now)
		}
		_, err = txExec(ctx, tx, `UPDATE policy_recomputes SET done = ?, changed = ?, after = ?, finished = ?, lease_until = ?
			WHERE tenant_id = ?`, next.Done, next.Changed, next.After, finished, formatTime(until), r.TenantID)
		return err
	})
	if err != nil {
		return policyError("recompute batch", err)
	}
	*r = next
	return nil
}

// recomputeUsers recomputes the users of r's tenant after r.After, up to n,
// moving r.After to the last; it returns how many it read and changed.
func recomputeUsers(ctx context.Context, tx *sql.Tx, r *roster.Recompute, n int, entitle func(map[string]any) roster.Entitlements, now time.Time) (int, int, error) {
	rows, err := txQuery(ctx, tx, `SELECT id, active, doc, entitlements FROM users
		WHERE tenant_id = ? AND retired IS NULL AND id > ? ORDER BY id LIMIT ?`, r.TenantID, r.After, n)
	if err != nil {
		return 0, 0, err
	}
	var batch []row.Stored
	for rows.Next() {
		var s row.Stored
		var doc, ent string
		if err := rows.Scan(&s.ID, &s.Active, &doc, &ent); err != nil {
			rows.Close()
			return 0, 0, err
		}
		s.Doc, s.Entitlements = []byte(doc), []byte(ent)
		batch = append(batch, s)
	}
	if err := rows.Close(); err != nil {
		return 0, 0, err
	}
	changed, err := row.Recompute(batch, entitle)
	if err != nil {
		return 0, 0, err
	}
	for _, u := range changed {
		ent, err := row.EncodeEntitlements(u.Entitlements)
		if err != nil {
			return 0, 0, err
		}
		_, err = txExec(ctx, tx, `UPDATE users SET entitlements = ?, app_active = ?, access_role = ?, version = version + 1, modified = ?
			WHERE tenant_id = ? AND id = ?`, ent, u.Entitlements.Active, u.Entitlements.AccessRole, formatTime(now), r.TenantID, u.ID)
		if err != nil {
			return 0, 0, err
		}
		if !u.Active || !u.Entitlements.Active {
			if err := endUserSessions(ctx, tx, r.TenantID, u.ID, now); err != nil {
				return 0, 0, err
			}
		}
		if err := appendEvent(ctx, tx, r.TenantID, now, outbox.UserWritten(u.ID, u.Active, u.Doc, u.LoginMethod, u)); err != nil {
			return 0, 0, err
		}
	}
	if len(batch) > 0 {
		r.After = batch[len(batch)-1].ID
	}
	return len(batch), len(changed), nil
}
