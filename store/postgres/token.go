package postgres

import (
	"cmp"
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateToken stores t, filling ID (when empty) and Created. ENOTFOUND when the tenant does not exist.
func (db *DB) CreateToken(ctx context.Context, t *roster.Token) error {
	if t.Prefix == "" || len(t.Hash) == 0 {
		return roster.Errorf(roster.EINVALID, "a token needs a prefix and a hash")
	}
	if t.ID == "" {
		t.ID = row.NewID()
	}
	t.Kind = cmp.Or(t.Kind, roster.TokenBearer)
	t.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO tokens (tenant_id, id, prefix, hash, name, created, expires, last_used, revoked, kind)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		t.TenantID, t.ID, t.Prefix, t.Hash, t.Name, t.Created,
		nullTime(t.Expires), nullTime(t.LastUsed), nullTime(t.Revoked), t.Kind)
	switch code, _ := sqlState(err); {
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", t.TenantID)
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "token id %q is already taken", t.ID)
	case err != nil:
		return wrap("create token", err)
	}
	return nil
}

const tokenColumns = `tenant_id, id, prefix, hash, name, created, expires, last_used, revoked, kind`

// TokensByPrefix returns the tokens (live or not) whose prefix is prefix.
func (db *DB) TokensByPrefix(ctx context.Context, prefix string) ([]*roster.Token, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE prefix = $1 ORDER BY created DESC, id`, prefix)
	ts, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return nil, wrap("tokens by prefix", err)
	}
	return ts, nil
}

// Tokens lists the tenant's tokens, newest first.
func (db *DB) Tokens(ctx context.Context, tenantID string) ([]*roster.Token, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE tenant_id = $1 ORDER BY created DESC, id`, tenantID)
	ts, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return nil, wrap("tokens", err)
	}
	return ts, nil
}

func scanToken(cr pgx.CollectableRow) (*roster.Token, error) {
	return scanTokenFrom(cr)
}

// scanTokenFrom scans tokenColumns, after lead: the columns before them.
func scanTokenFrom(s pgx.Row, lead ...any) (*roster.Token, error) {
	var (
		t                          roster.Token
		expires, lastUsed, revoked *time.Time
	)
	if err := s.Scan(append(lead, &t.TenantID, &t.ID, &t.Prefix, &t.Hash, &t.Name, &t.Created, &expires, &lastUsed, &revoked, &t.Kind)...); err != nil {
		return nil, err
	}
	t.Created = t.Created.UTC()
	t.Expires, t.LastUsed, t.Revoked = fromNull(expires), fromNull(lastUsed), fromNull(revoked)
	return &t, nil
}

// Token finds a token by id. ENOTFOUND.
func (db *DB) Token(ctx context.Context, id string) (*roster.Token, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = $1`, id)
	ts, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return nil, wrap("token", err)
	}
	if len(ts) == 0 {
		return nil, roster.Errorf(roster.ENOTFOUND, "token %q does not exist", id)
	}
	return ts[0], nil
}

// RevokeToken marks the token revoked (keeping the first revocation time). ENOTFOUND.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET revoked = coalesce(revoked, $1) WHERE id = $2`, db.stamp(), id)
	if err != nil {
		return wrap("revoke token", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "token %q does not exist", id)
	}
	return nil
}

// TouchTokens records when tokens were last used, in one statement. A time never
// moves last_used backwards; unknown ids are ignored.
func (db *DB) TouchTokens(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := make([]string, 0, len(used))
	times := make([]time.Time, 0, len(used))
	for id, t := range used {
		ids = append(ids, id)
		times = append(times, t.UTC())
	}
	_, err := db.pool.Exec(ctx, `
		UPDATE tokens t SET last_used = u.at
		FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
		WHERE t.id = u.id AND (t.last_used IS NULL OR t.last_used < u.at)`, ids, times)
	if err != nil {
		return wrap("touch tokens", err)
	}
	return nil
}

// CreateAccessToken stores a, filling Created. ENOTFOUND when its client does not exist.
func (db *DB) CreateAccessToken(ctx context.Context, a *roster.AccessToken) error {
	if a.Prefix == "" || len(a.Hash) == 0 || a.Expires.IsZero() {
		return roster.Errorf(roster.EINVALID, "an access token needs a prefix, a hash and an expiry")
	}
	a.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO access_tokens (tenant_id, client_id, prefix, hash, created, expires)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		a.TenantID, a.ClientID, a.Prefix, a.Hash, a.Created, a.Expires.UTC())
	switch code, _ := sqlState(err); {
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "client %q of tenant %q does not exist", a.ClientID, a.TenantID)
	case err != nil:
		return wrap("create access token", err)
	}
	return nil
}

// AccessTokensByPrefix returns the access tokens (expired or not) whose prefix
// is prefix, each with its client, read in the same statement.
func (db *DB) AccessTokensByPrefix(ctx context.Context, prefix string) ([]*roster.AccessToken, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT a.created, a.expires, a.prefix, a.hash,
		       t.tenant_id, t.id, t.prefix, t.hash, t.name, t.created, t.expires, t.last_used, t.revoked, t.kind
		FROM access_tokens a JOIN tokens t ON t.id = a.client_id AND t.tenant_id = a.tenant_id
		WHERE a.prefix = $1`, prefix)
	as, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (*roster.AccessToken, error) {
		var a roster.AccessToken
		client, err := scanTokenFrom(cr, &a.Created, &a.Expires, &a.Prefix, &a.Hash)
		if err != nil {
			return nil, err
		}
		a.Created, a.Expires = a.Created.UTC(), a.Expires.UTC()
		a.TenantID, a.ClientID, a.Client = client.TenantID, client.ID, client
		return &a, nil
	})
	if err != nil {
		return nil, wrap("access tokens by prefix", err)
	}
	return as, nil
}

// PruneAccessTokens deletes the access tokens that expired before before.
func (db *DB) PruneAccessTokens(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM access_tokens WHERE expires < $1`, before.UTC())
	if err != nil {
		return 0, wrap("prune access tokens", err)
	}
	return tag.RowsAffected(), nil
}
