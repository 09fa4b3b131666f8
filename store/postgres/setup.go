package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateSetupLink stores l, filling ID (when empty) and Created.
func (db *DB) CreateSetupLink(ctx context.Context, l *roster.SetupLink) error {
	if l.ID == "" {
		l.ID = row.NewID()
	}
	l.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO setup_links (id, tenant_id, scopes, prefix, hash, created_by, created, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		l.ID, l.TenantID, strings.Join(l.Scopes, ","), l.Prefix, l.Hash, l.CreatedBy, l.Created, l.Expires.UTC())
	if code, _ := sqlState(err); code == foreignKeyViolation {
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", l.TenantID)
	}
	return wrap("create setup link", err)
}

const setupLinkColumns = `id, tenant_id, scopes, prefix, hash, created_by, created, expires, redeemed, redeemed_from, revoked, session_seen`

func scanSetupLink(cr pgx.CollectableRow) (*roster.SetupLink, error) {
	var (
		l                              roster.SetupLink
		scopes                         string
		redeemed, revoked, sessionSeen *time.Time
	)
	if err := cr.Scan(&l.ID, &l.TenantID, &scopes, &l.Prefix, &l.Hash, &l.CreatedBy, &l.Created, &l.Expires, &redeemed,
		&l.RedeemedFrom, &revoked, &sessionSeen); err != nil {
		return nil, err
	}
	if scopes != "" {
		l.Scopes = strings.Split(scopes, ",")
	}
	l.Created, l.Expires = l.Created.UTC(), l.Expires.UTC()
	l.Redeemed, l.Revoked, l.SessionSeen = fromNull(redeemed), fromNull(revoked), fromNull(sessionSeen)
	return &l, nil
}

// setupLinkWhere reads the one link of a condition. ENOTFOUND.
func (db *DB) setupLinkWhere(ctx context.Context, step, where string, arg any) (*roster.SetupLink, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+setupLinkColumns+` FROM setup_links WHERE `+where, arg)
	l, err := pgx.CollectExactlyOneRow(rows, scanSetupLink)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no such setup link")
	}
	if err != nil {
		return nil, wrap(step, err)
	}
	return l, nil
}

// SetupLink finds a link by id. ENOTFOUND.
func (db *DB) SetupLink(ctx context.Context, id string) (*roster.SetupLink, error) {
	return db.setupLinkWhere(ctx, "setup link", `id = $1`, id)
}

// SetupLinkByHash finds the link whose secret hashes to hash. ENOTFOUND.
func (db *DB) SetupLinkByHash(ctx context.Context, hash []byte) (*roster.SetupLink, error) {
	return db.setupLinkWhere(ctx, "setup link by hash", `hash = $1`, hash)
}

// SetupLinkBySession finds the link whose session's secret hashes to session. ENOTFOUND.
func (db *DB) SetupLinkBySession(ctx context.Context, session []byte) (*roster.SetupLink, error) {
	return db.setupLinkWhere(ctx, "setup link by session", `session_hash = $1`, session)
}

// SetupLinks lists the tenant's links, newest first.
func (db *DB) SetupLinks(ctx context.Context, tenantID string) ([]*roster.SetupLink, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+setupLinkColumns+` FROM setup_links WHERE tenant_id = $1 ORDER BY created DESC, id DESC`, tenantID)
	ls, err := pgx.CollectRows(rows, scanSetupLink)
	if err != nil {
		return nil, wrap("setup links", err)
	}
	return ls, nil
}

// RedeemSetupLink redeems the live, unredeemed link whose secret hashes to
// hash, in one statement: of concurrent redemptions, the second waits for the
// first's row lock, then finds the link redeemed and updates nothing.
func (db *DB) RedeemSetupLink(ctx context.Context, hash, session []byte, at time.Time, from string) (*roster.SetupLink, error) {
	tag, err := db.pool.Exec(ctx, `
		UPDATE setup_links SET redeemed = $1, redeemed_from = $2, session_hash = $3, session_seen = $1
		WHERE hash = $4 AND redeemed IS NULL AND revoked IS NULL AND expires > $1`,
		at.UTC(), from, session, hash)
	if err != nil {
		return nil, wrap("redeem setup link", err)
	}
	l, err := db.setupLinkWhere(ctx, "redeem setup link", `hash = $1`, hash)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return l, roster.Errorf(roster.ECONFLICT, "the setup link was used, revoked or expired")
	}
	return l, nil
}

// TouchSetupSession records that the link's session was used at at.
func (db *DB) TouchSetupSession(ctx context.Context, id string, at time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE setup_links SET session_seen = $1 WHERE id = $2`, at.UTC(), id)
	return wrap("touch setup session", err)
}

// RevokeSetupLink revokes the link at at and ends its session. ENOTFOUND.
func (db *DB) RevokeSetupLink(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE setup_links SET revoked = coalesce(revoked, $1), session_hash = NULL WHERE id = $2`, at.UTC(), id)
	if err != nil {
		return wrap("revoke setup link", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no such setup link")
	}
	return nil
}
