package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"time"

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
	_, err := db.exec(ctx, `
		INSERT INTO tokens (tenant_id, id, prefix, hash, name, created, expires, last_used, revoked, kind)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.TenantID, t.ID, t.Prefix, t.Hash, t.Name, formatTime(t.Created),
		nullTime(t.Expires), nullTime(t.LastUsed), nullTime(t.Revoked), t.Kind)
	switch {
	case isForeignKey(err):
		return tenantMissing(t.TenantID)
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "token id %q is already taken", t.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	return nil
}

const tokenColumns = `tenant_id, id, prefix, hash, name, created, expires, last_used, revoked, kind`

// TokensByPrefix returns the tokens (live or not) whose prefix is prefix.
func (db *DB) TokensByPrefix(ctx context.Context, prefix string) ([]*roster.Token, error) {
	ts, err := db.queryTokens(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE prefix = ? ORDER BY created DESC, id`, prefix)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tokens by prefix: %w", err)
	}
	return ts, nil
}

// Tokens lists the tenant's tokens, newest first.
func (db *DB) Tokens(ctx context.Context, tenantID string) ([]*roster.Token, error) {
	ts, err := db.queryTokens(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE tenant_id = ? ORDER BY created DESC, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tokens: %w", err)
	}
	return ts, nil
}

func (db *DB) queryTokens(ctx context.Context, query string, args ...any) ([]*roster.Token, error) {
	// Every request authenticates: the statement is prepared once.
	var (
		rows *sql.Rows
		err  error
	)
	if st := db.cachedStmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = db.read.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []*roster.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

func scanToken(s scanner) (*roster.Token, error) {
	var (
		t                                  roster.Token
		created, expires, lastUsed, revoke sql.NullString
	)
	if err := s.Scan(&t.TenantID, &t.ID, &t.Prefix, &t.Hash, &t.Name, &created, &expires, &lastUsed, &revoke, &t.Kind); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		dst *time.Time
		src sql.NullString
	}{{&t.Created, created}, {&t.Expires, expires}, {&t.LastUsed, lastUsed}, {&t.Revoked, revoke}} {
		v, err := parseTime(f.src)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	return &t, nil
}

// Token finds a token by id. ENOTFOUND.
func (db *DB) Token(ctx context.Context, id string) (*roster.Token, error) {
	ts, err := db.queryTokens(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: token: %w", err)
	}
	if len(ts) == 0 {
		return nil, roster.Errorf(roster.ENOTFOUND, "token %q does not exist", id)
	}
	return ts[0], nil
}

// RevokeToken marks the token revoked (keeping the first revocation time). ENOTFOUND.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	n, err := db.exec(ctx, `UPDATE tokens SET revoked = coalesce(revoked, ?) WHERE id = ?`,
		formatTime(db.stamp()), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke token: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "token %q does not exist", id)
	}
	return nil
}

// TouchTokens records when tokens were last used, in one transaction. A time never
// moves last_used backwards; unknown ids are ignored.
func (db *DB) TouchTokens(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `
			UPDATE tokens SET last_used = ?1 WHERE id = ?2 AND (last_used IS NULL OR last_used < ?1)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for id, t := range used {
			if _, err := stmt.ExecContext(ctx, formatTime(t), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: touch tokens: %w", err)
	}
	return nil
}

// CreateAccessToken stores a, filling Created. ENOTFOUND when its client does not exist.
func (db *DB) CreateAccessToken(ctx context.Context, a *roster.AccessToken) error {
	if a.Prefix == "" || len(a.Hash) == 0 || a.Expires.IsZero() {
		return roster.Errorf(roster.EINVALID, "an access token needs a prefix, a hash and an expiry")
	}
	a.Created = db.stamp()
	_, err := db.exec(ctx, `
		INSERT INTO access_tokens (tenant_id, client_id, prefix, hash, created, expires)
		VALUES (?, ?, ?, ?, ?, ?)`,
		a.TenantID, a.ClientID, a.Prefix, a.Hash, formatTime(a.Created), formatTime(a.Expires))
	switch {
	case isForeignKey(err):
		return roster.Errorf(roster.ENOTFOUND, "client %q of tenant %q does not exist", a.ClientID, a.TenantID)
	case err != nil:
		return fmt.Errorf("sqlite: create access token: %w", err)
	}
	return nil
}

// AccessTokensByPrefix returns the access tokens (expired or not) whose prefix
// is prefix, each with its client, read in the same statement.
func (db *DB) AccessTokensByPrefix(ctx context.Context, prefix string) ([]*roster.AccessToken, error) {
	const query = `
		SELECT a.created, a.expires, a.prefix, a.hash,
		       t.tenant_id, t.id, t.prefix, t.hash, t.name, t.created, t.expires, t.last_used, t.revoked, t.kind
		FROM access_tokens a JOIN tokens t ON t.id = a.client_id AND t.tenant_id = a.tenant_id
		WHERE a.prefix = ?`
	var (
		rows *sql.Rows
		err  error
	)
	if st := db.cachedStmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, prefix)
	} else {
		rows, err = db.read.QueryContext(ctx, query, prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: access tokens by prefix: %w", err)
	}
	defer rows.Close()
	var as []*roster.AccessToken
	for rows.Next() {
		var (
			a                roster.AccessToken
			created, expires sql.NullString
		)
		client, err := scanToken(leading{rows, []any{&created, &expires, &a.Prefix, &a.Hash}})
		if err != nil {
			return nil, fmt.Errorf("sqlite: access tokens by prefix: %w", err)
		}
		if err := parseTimes([]*time.Time{&a.Created, &a.Expires}, created, expires); err != nil {
			return nil, fmt.Errorf("sqlite: access tokens by prefix: %w", err)
		}
		a.TenantID, a.ClientID, a.Client = client.TenantID, client.ID, client
		as = append(as, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: access tokens by prefix: %w", err)
	}
	return as, nil
}

// leading scans a row whose first columns go to dst and the rest to what Scan is given.
type leading struct {
	s   scanner
	dst []any
}

func (l leading) Scan(dest ...any) error {
	return l.s.Scan(append(l.dst[:len(l.dst):len(l.dst)], dest...)...)
}

// PruneAccessTokens deletes the access tokens that expired before before.
func (db *DB) PruneAccessTokens(ctx context.Context, before time.Time) (int64, error) {
	n, err := db.exec(ctx, `DELETE FROM access_tokens WHERE expires < ?`, formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune access tokens: %w", err)
	}
	return n, nil
}
