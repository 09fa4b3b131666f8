package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateAPIKey stores k, filling ID (when empty) and Created. ENOTFOUND when its tenant does not exist.
func (db *DB) CreateAPIKey(ctx context.Context, k *roster.APIKey) error {
	if k.Prefix == "" || len(k.Hash) == 0 {
		return roster.Errorf(roster.EINVALID, "an API key needs a prefix and a hash")
	}
	if k.ID == "" {
		k.ID = row.NewID()
	}
	if k.Scope == "" {
		k.Scope = roster.ScopeRead
	}
	k.Created = db.stamp()
	_, err := db.exec(ctx, `
		INSERT INTO api_keys (id, tenant_id, name, prefix, hash, created, scope) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, nullString(k.TenantID), k.Name, k.Prefix, k.Hash, formatTime(k.Created), k.Scope)
	switch {
	case isForeignKey(err):
		return tenantMissing(k.TenantID)
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "API key id %q is already taken", k.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create API key: %w", err)
	}
	return nil
}

const apiKeyColumns = `id, tenant_id, name, prefix, hash, created, last_used, revoked, scope`

// APIKeysByPrefix returns the keys (live or not) whose prefix is prefix.
func (db *DB) APIKeysByPrefix(ctx context.Context, prefix string) ([]*roster.APIKey, error) {
	ks, err := db.queryAPIKeys(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE prefix = ? ORDER BY created DESC, id`, prefix)
	if err != nil {
		return nil, fmt.Errorf("sqlite: API keys by prefix: %w", err)
	}
	return ks, nil
}

// APIKeys lists every key, newest first.
func (db *DB) APIKeys(ctx context.Context) ([]*roster.APIKey, error) {
	ks, err := db.queryAPIKeys(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: API keys: %w", err)
	}
	return ks, nil
}

// APIKeyPage returns at most q.Limit keys of q, newest first. The page
// after q.After starts below that key's creation time and id; an After that
// names no key has no page after it.
func (db *DB) APIKeyPage(ctx context.Context, q roster.APIKeyQuery) ([]*roster.APIKey, error) {
	ks, err := db.queryAPIKeys(ctx, `
		SELECT `+apiKeyColumns+` FROM api_keys
		WHERE (?1 = '' OR (created, id) < (SELECT created, id FROM api_keys WHERE id = ?1))
		AND (?2 = '' OR instr(lower(name), lower(?2)) > 0 OR instr(lower(prefix), lower(?2)) > 0)
		ORDER BY created DESC, id DESC LIMIT ?3`, q.After, q.Search, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: API key page: %w", err)
	}
	return ks, nil
}

// APIKey returns one key, live or not. ENOTFOUND.
func (db *DB) APIKey(ctx context.Context, id string) (*roster.APIKey, error) {
	ks, err := db.queryAPIKeys(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: API key: %w", err)
	}
	if len(ks) == 0 {
		return nil, roster.Errorf(roster.ENOTFOUND, "API key %q does not exist", id)
	}
	return ks[0], nil
}

func (db *DB) queryAPIKeys(ctx context.Context, query string, args ...any) ([]*roster.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ks []*roster.APIKey
	for rows.Next() {
		var (
			k                          roster.APIKey
			tenantID                   sql.NullString
			created, lastUsed, revoked sql.NullString
		)
		if err := rows.Scan(&k.ID, &tenantID, &k.Name, &k.Prefix, &k.Hash, &created, &lastUsed, &revoked, &k.Scope); err != nil {
			return nil, err
		}
		k.TenantID = tenantID.String
		if err := parseTimes([]*time.Time{&k.Created, &k.LastUsed, &k.Revoked}, created, lastUsed, revoked); err != nil {
			return nil, err
		}
		ks = append(ks, &k)
	}
	return ks, rows.Err()
}

// parseTimes parses each stored time into its destination.
func parseTimes(dst []*time.Time, src ...sql.NullString) error {
	for i, s := range src {
		t, err := parseTime(s)
		if err != nil {
			return err
		}
		*dst[i] = t
	}
	return nil
}

// RevokeAPIKey marks the key revoked (keeping the first revocation time). ENOTFOUND.
func (db *DB) RevokeAPIKey(ctx context.Context, id string) error {
	n, err := db.exec(ctx, `UPDATE api_keys SET revoked = coalesce(revoked, ?) WHERE id = ?`,
		formatTime(db.stamp()), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke API key: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "API key %q does not exist", id)
	}
	return nil
}
