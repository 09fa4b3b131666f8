package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateSetupLink stores l, filling ID (when empty) and Created.
func (db *DB) CreateSetupLink(ctx context.Context, l *roster.SetupLink) error {
	if l.ID == "" {
		l.ID = row.NewID()
	}
	l.Created = db.stamp()
	_, err := db.exec(ctx, `
		INSERT INTO setup_links (id, tenant_id, scopes, prefix, hash, created_by, created, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.TenantID, strings.Join(l.Scopes, ","), l.Prefix, l.Hash, l.CreatedBy, formatTime(l.Created), formatTime(l.Expires))
	switch {
	case isForeignKey(err):
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", l.TenantID)
	case err != nil:
		return fmt.Errorf("sqlite: create setup link: %w", err)
	}
	return nil
}

const setupLinkColumns = `id, tenant_id, scopes, prefix, hash, created_by, created, expires, redeemed, redeemed_from, revoked, session_seen`

func scanSetupLink(s scanner) (*roster.SetupLink, error) {
	var (
		l                                                roster.SetupLink
		scopes                                           string
		created, expires, redeemed, revoked, sessionSeen sql.NullString
	)
	if err := s.Scan(&l.ID, &l.TenantID, &scopes, &l.Prefix, &l.Hash, &l.CreatedBy, &created, &expires, &redeemed,
		&l.RedeemedFrom, &revoked, &sessionSeen); err != nil {
		return nil, err
	}
	if scopes != "" {
		l.Scopes = strings.Split(scopes, ",")
	}
	err := parseTimes([]*time.Time{&l.Created, &l.Expires, &l.Redeemed, &l.Revoked, &l.SessionSeen}, created, expires, redeemed, revoked, sessionSeen)
	return &l, err
}

// setupLinkWhere reads the one link of a condition. ENOTFOUND.
func (db *DB) setupLinkWhere(ctx context.Context, step, where string, arg any) (*roster.SetupLink, error) {
	l, err := scanSetupLink(db.read.QueryRowContext(ctx, `SELECT `+setupLinkColumns+` FROM setup_links WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no such setup link")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", step, err)
	}
	return l, nil
}

// SetupLink finds a link by id. ENOTFOUND.
func (db *DB) SetupLink(ctx context.Context, id string) (*roster.SetupLink, error) {
	return db.setupLinkWhere(ctx, "setup link", `id = ?`, id)
}

// SetupLinkByHash finds the link whose secret hashes to hash. ENOTFOUND.
func (db *DB) SetupLinkByHash(ctx context.Context, hash []byte) (*roster.SetupLink, error) {
	return db.setupLinkWhere(ctx, "setup link by hash", `hash = ?`, hash)
}

// SetupLinkBySession finds the link whose session's secret hashes to session. ENOTFOUND.
func (db *DB) SetupLinkBySession(ctx context.Context, session []byte) (*roster.SetupLink, error) {
	return db.setupLinkWhere(ctx, "setup link by session", `session_hash = ?`, session)
}

// SetupLinks lists the tenant's links, newest first.
func (db *DB) SetupLinks(ctx context.Context, tenantID string) ([]*roster.SetupLink, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+setupLinkColumns+` FROM setup_links WHERE tenant_id = ? ORDER BY created DESC, id DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: setup links: %w", err)
	}
	defer rows.Close()
	var ls []*roster.SetupLink
	for rows.Next() {
		l, err := scanSetupLink(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: setup links: %w", err)
		}
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

// RedeemSetupLink redeems the live, unredeemed link whose secret hashes to
// hash, in one statement, so that one of concurrent redemptions wins.
func (db *DB) RedeemSetupLink(ctx context.Context, hash, session []byte, at time.Time, from string) (*roster.SetupLink, error) {
	n, err := db.exec(ctx, `
		UPDATE setup_links SET redeemed = ?1, redeemed_from = ?2, session_hash = ?3, session_seen = ?1
		WHERE hash = ?4 AND redeemed IS NULL AND revoked IS NULL AND expires > ?1`,
		formatTime(at), from, session, hash)
	if err != nil {
		return nil, fmt.Errorf("sqlite: redeem setup link: %w", err)
	}
	l, err := db.setupLinkWhere(ctx, "redeem setup link", `hash = ?`, hash)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return l, roster.Errorf(roster.ECONFLICT, "the setup link was used, revoked or expired")
	}
	return l, nil
}

// TouchSetupSession records that the link's session was used at at.
func (db *DB) TouchSetupSession(ctx context.Context, id string, at time.Time) error {
	if _, err := db.exec(ctx, `UPDATE setup_links SET session_seen = ? WHERE id = ?`, formatTime(at), id); err != nil {
		return fmt.Errorf("sqlite: touch setup session: %w", err)
	}
	return nil
}

// RevokeSetupLink revokes the link at at and ends its session. ENOTFOUND.
func (db *DB) RevokeSetupLink(ctx context.Context, id string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE setup_links SET revoked = coalesce(revoked, ?), session_hash = NULL WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke setup link: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no such setup link")
	}
	return nil
}
