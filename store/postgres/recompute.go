package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// startRecompute starts the tenant's recomputation under policy version,
// replacing the one before, in the transaction that sets the policy. Its
// total is the tenant's live users, summed from tenant_counts.
func startRecompute(ctx context.Context, t *tx, version int64) error {
	_, err := t.Exec(ctx, `
		INSERT INTO policy_recomputes (tenant_id, version, total, started)
		VALUES ($1, $2, (SELECT coalesce(sum(users), 0)::bigint FROM tenant_counts WHERE tenant_id = $1), $3)
		ON CONFLICT (tenant_id) DO UPDATE SET version = excluded.version, total = excluded.total,
			done = 0, changed = 0, after = '', started = excluded.started, finished = NULL, owner = '', lease_until = NULL`,
		t.tenantID, version, t.now)
	return err
}

const recomputeColumns = `tenant_id, version, total, done, changed, after, started, finished, owner`

func scanRecompute(sc pgx.Row) (*roster.Recompute, error) {
	var (
		r        roster.Recompute
		finished *time.Time
	)
	if err := sc.Scan(&r.TenantID, &r.Version, &r.Total, &r.Done, &r.Changed, &r.After, &r.Started, &finished, &r.Owner); err != nil {
		return nil, err
	}
	r.Started, r.Finished = r.Started.UTC(), fromNull(finished)
	return &r, nil
}

// Recompute returns the tenant's latest recomputation. ENOTFOUND when there is none.
func (db *DB) Recompute(ctx context.Context, tenantID string) (*roster.Recompute, error) {
	r, err := scanRecompute(db.pool.QueryRow(ctx, `SELECT `+recomputeColumns+`
		FROM policy_recomputes WHERE tenant_id = $1`, tenantID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "tenant %s has no recomputation", tenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: recompute: %w", err)
	}
	return r, nil
}

// ClaimRecompute leases an unfinished recomputation nobody holds to owner:
// of several instances claiming at once, one gets it (the outer condition is
// checked again on the row the winner wrote). ENOTFOUND when there is none.
func (db *DB) ClaimRecompute(ctx context.Context, owner string, now, until time.Time) (*roster.Recompute, error) {
	r, err := scanRecompute(db.pool.QueryRow(ctx, `
		UPDATE policy_recomputes SET owner = $1, lease_until = $2
		WHERE tenant_id = (SELECT tenant_id FROM policy_recomputes
				WHERE finished IS NULL AND (owner = '' OR lease_until < $3)
				ORDER BY started LIMIT 1 FOR UPDATE SKIP LOCKED)
			AND finished IS NULL AND (owner = '' OR lease_until < $3)
		RETURNING `+recomputeColumns, owner, until, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no recomputation waits")
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: claim recompute: %w", err)
	}
	return r, nil
}

// RecomputeBatch recomputes the entitlements of the next n users of r in one
// transaction, holding the recomputation's row. EPRECONDITION when r's owner
// lost it.
func (db *DB) RecomputeBatch(ctx context.Context, r *roster.Recompute, n int, entitle func(map[string]any) roster.Entitlements, until time.Time) error {
	var next roster.Recompute
	err := db.write(ctx, r.TenantID, func(t *tx) error {
		next = *r
		var held bool
		err := t.QueryRow(ctx, `SELECT true FROM policy_recomputes
			WHERE tenant_id = $1 AND version = $2 AND owner = $3 AND finished IS NULL FOR UPDATE`,
			r.TenantID, r.Version, r.Owner).Scan(&held)
		if errors.Is(err, pgx.ErrNoRows) {
			return roster.Errorf(roster.EPRECONDITION, "the recomputation of tenant %s under policy %d is no longer %s's", r.TenantID, r.Version, r.Owner)
		}
		if err != nil {
			return err
		}
		done, changed, err := recomputeUsers(ctx, t, &next, n, entitle)
		if err != nil {
			return err
		}
		next.Done += int64(done)
		next.Changed += int64(changed)
		var finished *time.Time
		if done < n {
			next.Finished, finished = t.now, &t.now
		}
		_, err = t.Exec(ctx, `UPDATE policy_recomputes SET done = $1, changed = $2, after = $3, finished = $4, lease_until = $5
			WHERE tenant_id = $6`, next.Done, next.Changed, next.After, finished, until, r.TenantID)
		return err
	})
	if err != nil {
		return wrap("recompute batch", err)
	}
	*r = next
	return nil
}

// recomputeUsers recomputes the users of r's tenant after r.After, up to n,
// moving r.After to the last; it returns how many it read and changed.
func recomputeUsers(ctx context.Context, t *tx, r *roster.Recompute, n int, entitle func(map[string]any) roster.Entitlements) (int, int, error) {
	rows, err := t.Query(ctx, `SELECT id, active, doc, entitlements FROM users
		WHERE tenant_id = $1 AND retired IS NULL AND id > $2 ORDER BY id LIMIT $3`, r.TenantID, r.After, n)
	if err != nil {
		return 0, 0, err
	}
	batch, err := pgx.CollectRows(rows, func(rw pgx.CollectableRow) (row.Stored, error) {
		var s row.Stored
		err := rw.Scan(&s.ID, &s.Active, &s.Doc, &s.Entitlements)
		return s, err
	})
	if err != nil {
		return 0, 0, err
	}
	changed, err := row.Recompute(batch, entitle)
	if err != nil {
		return 0, 0, err
	}
	if err := storeEntitlements(ctx, t, changed); err != nil {
		return 0, 0, err
	}
	if len(batch) > 0 {
		r.After = batch[len(batch)-1].ID
	}
	return len(batch), len(changed), nil
}

// storeEntitlements writes the users' new entitlements in one statement, ends
// the sessions of those who are inactive in another, and appends their
// user.updated events.
func storeEntitlements(ctx context.Context, t *tx, users []*roster.User) error {
	if len(users) == 0 {
		return nil
	}
	ids, ents := make([]string, len(users)), make([]string, len(users))
	actives, roles := make([]bool, len(users)), make([]string, len(users))
	var inactive []string
	for i, u := range users {
		ent, err := row.EncodeEntitlements(u.Entitlements)
		if err != nil {
			return err
		}
		ids[i], ents[i], actives[i], roles[i] = u.ID, ent, u.Entitlements.Active, u.Entitlements.AccessRole
		if !u.Active || !u.Entitlements.Active {
			inactive = append(inactive, u.ID)
		}
		t.event(outbox.UserWritten(u.ID, u.Active, u.Doc, u.LoginMethod, u))
	}
	_, err := t.Exec(ctx, `UPDATE users SET entitlements = v.ent::jsonb, app_active = v.active, access_role = v.role,
			version = version + 1, modified = $1
		FROM unnest($2::text[], $3::text[], $4::bool[], $5::text[]) AS v(id, ent, active, role)
		WHERE users.tenant_id = $6 AND users.id = v.id`, t.now, ids, ents, actives, roles, t.tenantID)
	if err != nil || len(inactive) == 0 {
		return err
	}
	_, err = t.Exec(ctx, `UPDATE sessions SET ended = $1 WHERE tenant_id = $2 AND user_id = ANY($3) AND ended IS NULL`,
		t.now, t.tenantID, inactive)
	return err
}
