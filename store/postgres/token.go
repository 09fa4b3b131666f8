package postgres

import (
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
	t.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO tokens (tenant_id, id, prefix, hash, name, created, expires, last_used, revoked)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.TenantID, t.ID, t.Prefix, t.Hash, t.Name, t.Created,
		nullTime(t.Expires), nullTime(t.LastUsed), nullTime(t.Revoked))
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

const tokenColumns = `tenant_id, id, prefix, hash, name, created, expires, last_used, revoked`

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
	var (
		t                          roster.Token
		expires, lastUsed, revoked *time.Time
	)
	if err := cr.Scan(&t.TenantID, &t.ID, &t.Prefix, &t.Hash, &t.Name, &t.Created, &expires, &lastUsed, &revoked); err != nil {
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
