package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
)

// Policy returns the tenant's newest policy, or Version 0 and no Doc when none
// was ever set. ENOTFOUND when there is no such tenant.
func (db *DB) Policy(ctx context.Context, tenantID string) (*roster.Policy, error) {
	var (
		version             sql.NullInt64
		doc, updated, setBy sql.NullString
	)
	err := db.read.QueryRowContext(ctx, `
		SELECT p.version, p.doc, p.updated, p.set_by FROM tenants t
		LEFT JOIN tenant_policies p ON p.tenant_id = t.id
		WHERE t.id = ?
		ORDER BY p.version DESC LIMIT 1`, tenantID).Scan(&version, &doc, &updated, &setBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tenantMissing(tenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: policy: %w", err)
	}
	p := &roster.Policy{Version: version.Int64, SetBy: setBy.String}
	if doc.Valid {
		p.Doc = json.RawMessage(doc.String)
	}
	if p.Updated, err = parseTime(updated); err != nil {
		return nil, fmt.Errorf("sqlite: policy: %w", err)
	}
	return p, nil
}

// PolicyVersions returns the tenant's policies as they were set, newest
// first: those older than q.Before when it is not 0, at most q.Limit.
func (db *DB) PolicyVersions(ctx context.Context, tenantID string, q roster.PolicyVersionQuery) ([]*roster.Policy, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT version, doc, updated, set_by FROM tenant_policies
		WHERE tenant_id = ?1 AND (?2 = 0 OR version < ?2)
		ORDER BY version DESC LIMIT ?3`, tenantID, q.Before, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: policy versions: %w", err)
	}
	defer rows.Close()
	var ps []*roster.Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: policy versions: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: policy versions: %w", err)
	}
	return ps, nil
}

// PolicyVersion returns the tenant's policy of version. ENOTFOUND when the
// tenant has no such version.
func (db *DB) PolicyVersion(ctx context.Context, tenantID string, version int64) (*roster.Policy, error) {
	p, err := scanPolicy(db.read.QueryRowContext(ctx, `
		SELECT version, doc, updated, set_by FROM tenant_policies
		WHERE tenant_id = ? AND version = ?`, tenantID, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, policyVersionMissing(version)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: policy version: %w", err)
	}
	return p, nil
}

// scanPolicy reads a row of tenant_policies: version, doc, updated, set_by.
func scanPolicy(r interface{ Scan(...any) error }) (*roster.Policy, error) {
	var (
		p       roster.Policy
		doc     string
		updated sql.NullString
	)
	err := r.Scan(&p.Version, &doc, &updated, &p.SetBy)
	if err != nil {
		return nil, err
	}
	p.Doc = json.RawMessage(doc)
	if p.Updated, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &p, nil
}

func policyVersionMissing(version int64) error {
	return roster.Errorf(roster.ENOTFOUND, "the tenant has no policy version %d", version)
}

// SetPolicy stores doc as the tenant's policy, set by setBy, keeping the ones
// before it, and returns its version; the tenant's config version moves with it. EINVALID when
// doc is not JSON; EPRECONDITION when ifVersion is not 0 and the current
// version differs; ENOTFOUND when there is no such tenant.
func (db *DB) SetPolicy(ctx context.Context, tenantID string, doc json.RawMessage, ifVersion int64, setBy string) (int64, error) {
	if !json.Valid(doc) {
		return 0, roster.Errorf(roster.EINVALID, "the policy is not a JSON document")
	}
	now := db.stamp()
	var version int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		version, err = setPolicy(ctx, tx, tenantID, doc, ifVersion, setBy, now)
		return err
	})
	if err != nil {
		return 0, policyError("set policy", err)
	}
	return version, nil
}

// setPolicy runs in the writer, which serialises it with every other write of
// the tenant: the version read is still the newest when the next is inserted.
func setPolicy(ctx context.Context, tx *sql.Tx, tenantID string, doc json.RawMessage, ifVersion int64, setBy string, now time.Time) (int64, error) {
	if err := bumpConfig(ctx, tx, tenantID); err != nil {
		return 0, err
	}
	var current int64
	err := txQueryRow(ctx, tx, `SELECT coalesce(max(version), 0) FROM tenant_policies WHERE tenant_id = ?`,
		tenantID).Scan(&current)
	if err != nil {
		return 0, err
	}
	if ifVersion != 0 && current != ifVersion {
		return 0, roster.Errorf(roster.EPRECONDITION, "the policy is at version %d, not %d", current, ifVersion)
	}
	_, err = txExec(ctx, tx, `INSERT INTO tenant_policies (tenant_id, version, doc, updated, set_by) VALUES (?, ?, ?, ?, ?)`,
		tenantID, current+1, string(doc), formatTime(now), setBy)
	if err != nil {
		return 0, err
	}
	return current + 1, startRecompute(ctx, tx, tenantID, current+1, now)
}

// ConfigVersion returns the tenant's config version: it grows with every change
// of its policy or folders. ENOTFOUND when there is no such tenant.
func (db *DB) ConfigVersion(ctx context.Context, tenantID string) (int64, error) {
	var v int64
	err := db.read.QueryRowContext(ctx, `SELECT config_version FROM tenants WHERE id = ?`, tenantID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, tenantMissing(tenantID)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: config version: %w", err)
	}
	return v, nil
}

// bumpConfig moves the tenant's config version in the transaction of a change
// of its policy or folders. ENOTFOUND when there is no such tenant.
func bumpConfig(ctx context.Context, tx *sql.Tx, tenantID string) error {
	res, err := txExec(ctx, tx, `UPDATE tenants SET config_version = config_version + 1 WHERE id = ?`, tenantID)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return tenantMissing(tenantID)
	}
	return nil
}

// policyError passes nil and Roster errors through and prefixes others with the step.
func policyError(step string, err error) error {
	var re *roster.Error
	if err == nil || errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", step, err)
}
