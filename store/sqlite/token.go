package sqlite

import (
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
	t.Created = db.stamp()
	_, err := db.exec(ctx, `
		INSERT INTO tokens (tenant_id, id, prefix, hash, name, created, expires, last_used, revoked)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.TenantID, t.ID, t.Prefix, t.Hash, t.Name, formatTime(t.Created),
		nullTime(t.Expires), nullTime(t.LastUsed), nullTime(t.Revoked))
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

const tokenColumns = `tenant_id, id, prefix, hash, name, created, expires, last_used, revoked`

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
	if err := s.Scan(&t.TenantID, &t.ID, &t.Prefix, &t.Hash, &t.Name, &created, &expires, &lastUsed, &revoke); err != nil {
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
