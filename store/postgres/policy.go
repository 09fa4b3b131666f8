package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// Policy returns the tenant's newest policy, or Version 0 and no Doc when none
// was ever set. ENOTFOUND when there is no such tenant.
func (db *DB) Policy(ctx context.Context, tenantID string) (*roster.Policy, error) {
	var (
		version *int64
		doc     []byte
		updated *time.Time
		setBy   *string
	)
	err := db.pool.QueryRow(ctx, `
		SELECT p.version, p.doc, p.updated, p.set_by FROM tenants t
		LEFT JOIN LATERAL (
			SELECT version, doc, updated, set_by FROM tenant_policies
			WHERE tenant_id = t.id ORDER BY version DESC LIMIT 1) p ON true
		WHERE t.id = $1`, tenantID).Scan(&version, &doc, &updated, &setBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tenantMissing(tenantID)
	}
	if err != nil {
		return nil, wrap("policy", err)
	}
	p := &roster.Policy{Doc: doc, Updated: fromNull(updated)}
	if version != nil {
		p.Version, p.SetBy = *version, *setBy
	}
	return p, nil
}

// PolicyVersions returns the tenant's policies as they were set, newest
// first: those older than q.Before when it is not 0, at most q.Limit.
func (db *DB) PolicyVersions(ctx context.Context, tenantID string, q roster.PolicyVersionQuery) ([]*roster.Policy, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT version, doc, updated, set_by FROM tenant_policies
		WHERE tenant_id = $1 AND ($2::bigint = 0 OR version < $2::bigint)
		ORDER BY version DESC LIMIT $3`, tenantID, q.Before, q.Limit)
	ps, err := pgx.CollectRows(rows, scanPolicy)
	if err != nil {
		return nil, wrap("policy versions", err)
	}
	return ps, nil
}

// PolicyVersion returns the tenant's policy of version. ENOTFOUND when the
// tenant has no such version.
func (db *DB) PolicyVersion(ctx context.Context, tenantID string, version int64) (*roster.Policy, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT version, doc, updated, set_by FROM tenant_policies
		WHERE tenant_id = $1 AND version = $2`, tenantID, version)
	p, err := pgx.CollectExactlyOneRow(rows, scanPolicy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "the tenant has no policy version %d", version)
	}
	if err != nil {
		return nil, wrap("policy version", err)
	}
	return p, nil
}

// scanPolicy reads a row of tenant_policies: version, doc, updated, set_by.
func scanPolicy(r pgx.CollectableRow) (*roster.Policy, error) {
	var p roster.Policy
	var doc []byte
	if err := r.Scan(&p.Version, &doc, &p.Updated, &p.SetBy); err != nil {
		return nil, err
	}
	p.Doc, p.Updated = doc, p.Updated.UTC()
	return &p, nil
}

// SetPolicy stores doc as the tenant's policy, set by setBy, keeping the ones
// before it, and returns its version; the tenant's config version moves with it. EINVALID when
// doc is not JSON; EPRECONDITION when ifVersion is not 0 and the current
// version differs; ENOTFOUND when there is no such tenant.
func (db *DB) SetPolicy(ctx context.Context, tenantID string, doc json.RawMessage, ifVersion int64, setBy string) (int64, error) {
	if !json.Valid(doc) {
		return 0, roster.Errorf(roster.EINVALID, "the policy is not a JSON document")
	}
	var version int64
	err := db.write(ctx, tenantID, func(t *tx) error {
		// bumpConfig locks the tenant's row until the commit, so concurrent
		// writers of its policy take turns, and the version read next (in a
		// statement of its own, which sees what they committed) is the newest.
		if err := bumpConfig(ctx, t); err != nil {
			return err
		}
		var current int64
		err := t.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM tenant_policies WHERE tenant_id = $1`,
			t.tenantID).Scan(&current)
		if err != nil {
			return err
		}
		if ifVersion != 0 && current != ifVersion {
			return roster.Errorf(roster.EPRECONDITION, "the policy is at version %d, not %d", current, ifVersion)
		}
		version = current + 1
		_, err = t.Exec(ctx, `INSERT INTO tenant_policies (tenant_id, version, doc, updated, set_by) VALUES ($1, $2, $3::json, $4, $5)`,
			t.tenantID, version, string(doc), t.now, setBy)
		if err != nil {
			return err
		}
		return startRecompute(ctx, t, version)
	})
	if err != nil {
		return 0, wrap("set policy", err)
	}
	return version, nil
}

// ConfigVersion returns the tenant's config version: it grows with every change
// of its policy or folders. ENOTFOUND when there is no such tenant.
func (db *DB) ConfigVersion(ctx context.Context, tenantID string) (int64, error) {
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT config_version FROM tenants WHERE id = $1`, tenantID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, tenantMissing(tenantID)
	}
	if err != nil {
		return 0, wrap("config version", err)
	}
	return v, nil
}

// bumpConfig moves the tenant's config version in the transaction of a change
// of its policy or folders. ENOTFOUND when there is no such tenant.
//
// The update locks the tenant's row until the commit, which orders the
// tenant's configuration changes. Its lock is the one FOR NO KEY UPDATE takes:
// it keeps out other writers of the row, yet not the key-share locks by which
// inserts of the tenant's users, groups and tokens check their foreign key,
// which FOR UPDATE would hold up.
func bumpConfig(ctx context.Context, t *tx) error {
	tag, err := t.Exec(ctx, `UPDATE tenants SET config_version = config_version + 1 WHERE id = $1`, t.tenantID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return tenantMissing(t.tenantID)
	}
	return nil
}

// tenantMissing is the error of a call naming a tenant that does not exist.
func tenantMissing(tenantID string) error {
	return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", tenantID)
}
