package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

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
	_, err := db.pool.Exec(ctx, `
		INSERT INTO api_keys (id, tenant_id, name, prefix, hash, created, scope) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, nullString(k.TenantID), k.Name, k.Prefix, k.Hash, k.Created, k.Scope)
	switch code, _ := sqlState(err); {
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", k.TenantID)
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "API key id %q is already taken", k.ID)
	case err != nil:
		return wrap("create API key", err)
	}
	return nil
}

const apiKeyColumns = `id, tenant_id, name, prefix, hash, created, last_used, revoked, scope`

// APIKeysByPrefix returns the keys (live or not) whose prefix is prefix.
func (db *DB) APIKeysByPrefix(ctx context.Context, prefix string) ([]*roster.APIKey, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE prefix = $1 ORDER BY created DESC, id`, prefix)
	ks, err := pgx.CollectRows(rows, scanAPIKey)
	if err != nil {
		return nil, wrap("API keys by prefix", err)
	}
	return ks, nil
}

// APIKeys lists every key, newest first.
func (db *DB) APIKeys(ctx context.Context) ([]*roster.APIKey, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created DESC, id`)
	ks, err := pgx.CollectRows(rows, scanAPIKey)
	if err != nil {
		return nil, wrap("API keys", err)
	}
	return ks, nil
}

// APIKeyPage returns at most q.Limit keys of q, newest first (ids in byte
// order among keys created at once). The page after q.After starts below that
// key's creation time and id; an After that names no key has no page after it.
func (db *DB) APIKeyPage(ctx context.Context, q roster.APIKeyQuery) ([]*roster.APIKey, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT `+apiKeyColumns+` FROM api_keys
		WHERE ($1 = '' OR (created, id COLLATE "C") < (SELECT created, id COLLATE "C" FROM api_keys WHERE id = $1))
		AND ($2 = '' OR strpos(lower(name), lower($2)) > 0 OR strpos(lower(prefix), lower($2)) > 0)
		ORDER BY created DESC, id COLLATE "C" DESC LIMIT $3`, q.After, q.Search, q.Limit)
	ks, err := pgx.CollectRows(rows, scanAPIKey)
	if err != nil {
		return nil, wrap("API key page", err)
	}
	return ks, nil
}

// APIKey returns one key, live or not. ENOTFOUND.
func (db *DB) APIKey(ctx context.Context, id string) (*roster.APIKey, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id)
	ks, err := pgx.CollectRows(rows, scanAPIKey)
	if err != nil {
		return nil, wrap("API key", err)
	}
	if len(ks) == 0 {
		return nil, roster.Errorf(roster.ENOTFOUND, "API key %q does not exist", id)
	}
	return ks[0], nil
}

func scanAPIKey(cr pgx.CollectableRow) (*roster.APIKey, error) {
	var (
		k                 roster.APIKey
		tenantID          *string
		lastUsed, revoked *time.Time
	)
	if err := cr.Scan(&k.ID, &tenantID, &k.Name, &k.Prefix, &k.Hash, &k.Created, &lastUsed, &revoked, &k.Scope); err != nil {
		return nil, err
	}
	if tenantID != nil {
		k.TenantID = *tenantID
	}
	k.Created, k.LastUsed, k.Revoked = k.Created.UTC(), fromNull(lastUsed), fromNull(revoked)
	return &k, nil
}

// RevokeAPIKey marks the key revoked (keeping the first revocation time). ENOTFOUND.
func (db *DB) RevokeAPIKey(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_keys SET revoked = coalesce(revoked, $1) WHERE id = $2`, db.stamp(), id)
	if err != nil {
		return wrap("revoke API key", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "API key %q does not exist", id)
	}
	return nil
}
