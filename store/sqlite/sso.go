package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateOAuthClient stores c, filling ID (when empty) and Created.
func (db *DB) CreateOAuthClient(ctx context.Context, c *roster.OAuthClient) error {
	if len(c.RedirectURIs) == 0 {
		return roster.Errorf(roster.EINVALID, "an OAuth client needs a redirect URI")
	}
	if !c.Public && len(c.Hash) == 0 {
		return roster.Errorf(roster.EINVALID, "a confidential OAuth client needs a secret")
	}
	if c.ID == "" {
		c.ID = row.NewID()
	}
	c.Created = db.stamp()
	uris, err := json.Marshal(c.RedirectURIs)
	if err != nil {
		return fmt.Errorf("sqlite: create OAuth client: %w", err)
	}
	_, err = db.exec(ctx, `
		INSERT INTO oauth_clients (id, name, redirect_uris, public, hash, created) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, string(uris), c.Public, c.Hash, formatTime(c.Created))
	switch {
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "OAuth client id %q is already taken", c.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create OAuth client: %w", err)
	}
	return nil
}

const oauthClientColumns = `id, name, redirect_uris, public, hash, created, revoked`

// OAuthClient returns the client, live or revoked. ENOTFOUND.
func (db *DB) OAuthClient(ctx context.Context, id string) (*roster.OAuthClient, error) {
	cs, err := db.queryOAuthClients(ctx, `SELECT `+oauthClientColumns+` FROM oauth_clients WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: OAuth client: %w", err)
	}
	if len(cs) == 0 {
		return nil, roster.Errorf(roster.ENOTFOUND, "OAuth client %q does not exist", id)
	}
	return cs[0], nil
}

// OAuthClients lists every client, newest first.
func (db *DB) OAuthClients(ctx context.Context) ([]*roster.OAuthClient, error) {
	cs, err := db.queryOAuthClients(ctx, `SELECT `+oauthClientColumns+` FROM oauth_clients ORDER BY created DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: OAuth clients: %w", err)
	}
	return cs, nil
}

// OAuthClientPage returns at most q.Limit clients of q, newest first. The
// page after q.After starts below that client's creation time and id; an
// After that names no client has no page after it.
func (db *DB) OAuthClientPage(ctx context.Context, q roster.OAuthClientQuery) ([]*roster.OAuthClient, error) {
	cs, err := db.queryOAuthClients(ctx, `
		SELECT `+oauthClientColumns+` FROM oauth_clients
		WHERE (?1 = '' OR (created, id) < (SELECT created, id FROM oauth_clients WHERE id = ?1))
		AND (?2 = '' OR instr(lower(name), lower(?2)) > 0 OR instr(lower(id), lower(?2)) > 0)
		ORDER BY created DESC, id DESC LIMIT ?3`, q.After, q.Search, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: OAuth client page: %w", err)
	}
	return cs, nil
}

func (db *DB) queryOAuthClients(ctx context.Context, query string, args ...any) ([]*roster.OAuthClient, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []*roster.OAuthClient
	for rows.Next() {
		var (
			c                roster.OAuthClient
			uris             string
			created, revoked sql.NullString
		)
		if err := rows.Scan(&c.ID, &c.Name, &uris, &c.Public, &c.Hash, &created, &revoked); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
			return nil, fmt.Errorf("client %s redirect URIs: %w", c.ID, err)
		}
		if err := parseTimes([]*time.Time{&c.Created, &c.Revoked}, created, revoked); err != nil {
			return nil, err
		}
		cs = append(cs, &c)
	}
	return cs, rows.Err()
}

// RevokeOAuthClient marks the client revoked (keeping the first revocation time). ENOTFOUND.
func (db *DB) RevokeOAuthClient(ctx context.Context, id string) error {
	n, err := db.exec(ctx, `UPDATE oauth_clients SET revoked = coalesce(revoked, ?) WHERE id = ?`,
		formatTime(db.stamp()), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke OAuth client: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "OAuth client %q does not exist", id)
	}
	return nil
}

// SetSSOConnection creates or replaces the tenant's connection, filling Updated. ENOTFOUND.
func (db *DB) SetSSOConnection(ctx context.Context, c *roster.SSOConnection) error {
	c.Updated = db.stamp()
	_, err := db.exec(ctx, `
		INSERT INTO sso_connections (tenant_id, type, issuer, client_id, secret, metadata, certificate, idp_initiated, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET type = excluded.type, issuer = excluded.issuer,
			client_id = excluded.client_id, secret = excluded.secret, metadata = excluded.metadata,
			certificate = excluded.certificate, idp_initiated = excluded.idp_initiated, updated = excluded.updated`,
		c.TenantID, c.Type, c.Issuer, c.ClientID, c.SealedSecret, c.Metadata, c.Certificate, c.IdPInitiated, formatTime(c.Updated))
	switch {
	case isForeignKey(err):
		return tenantMissing(c.TenantID)
	case err != nil:
		return fmt.Errorf("sqlite: set SSO connection: %w", err)
	}
	return nil
}

// SSOConnection returns the tenant's connection. ENOTFOUND when it has none.
func (db *DB) SSOConnection(ctx context.Context, tenantID string) (*roster.SSOConnection, error) {
	var (
		c       = roster.SSOConnection{TenantID: tenantID}
		updated sql.NullString
	)
	err := db.read.QueryRowContext(ctx, `
		SELECT type, issuer, client_id, secret, metadata, certificate, idp_initiated, updated
		FROM sso_connections WHERE tenant_id = ?`, tenantID).
		Scan(&c.Type, &c.Issuer, &c.ClientID, &c.SealedSecret, &c.Metadata, &c.Certificate, &c.IdPInitiated, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "tenant %q has no sign-in connection", tenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: SSO connection: %w", err)
	}
	if c.Updated, err = parseTime(updated); err != nil {
		return nil, fmt.Errorf("sqlite: SSO connection: %w", err)
	}
	return &c, nil
}

// DeleteSSOConnection deletes the tenant's connection. ENOTFOUND when it has none.
func (db *DB) DeleteSSOConnection(ctx context.Context, tenantID string) error {
	n, err := db.exec(ctx, `DELETE FROM sso_connections WHERE tenant_id = ?`, tenantID)
	if err != nil {
		return fmt.Errorf("sqlite: delete SSO connection: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "tenant %q has no sign-in connection", tenantID)
	}
	return nil
}

// SetTenantOrganization sets the tenant's organization ("" clears it). ECONFLICT, ENOTFOUND.
func (db *DB) SetTenantOrganization(ctx context.Context, tenantID, organization string) error {
	n, err := db.exec(ctx, `UPDATE tenants SET organization = ? WHERE id = ?`, nullString(organization), tenantID)
	switch {
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "organization %q belongs to another tenant", organization)
	case err != nil:
		return fmt.Errorf("sqlite: set tenant organization: %w", err)
	case n == 0:
		return tenantMissing(tenantID)
	}
	return nil
}

// TenantByOrganization finds the tenant with that organization. ENOTFOUND.
func (db *DB) TenantByOrganization(ctx context.Context, organization string) (*roster.Tenant, error) {
	t, err := scanTenant(db.read.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE organization = ?`, organization))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no tenant has organization %q", organization)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant by organization: %w", err)
	}
	return t, nil
}

// SetTenantDomains replaces the tenant's verified domains. ECONFLICT, ENOTFOUND.
func (db *DB) SetTenantDomains(ctx context.Context, tenantID string, domains []string) error {
	var taken string
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		err := txQueryRow(ctx, tx, `SELECT 1 FROM tenants WHERE id = ?`, tenantID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return tenantMissing(tenantID)
		}
		if err != nil {
			return err
		}
		if _, err := txExec(ctx, tx, `DELETE FROM tenant_domains WHERE tenant_id = ?`, tenantID); err != nil {
			return err
		}
		for i, d := range roster.NormalizeDomains(domains) {
			taken = d
			_, err := txExec(ctx, tx, `INSERT INTO tenant_domains (domain, tenant_id, ord) VALUES (?, ?, ?)`, taken, tenantID, i)
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case isUnique(err):
		return &roster.Error{Code: roster.ECONFLICT, Attr: "domain", Detail: fmt.Sprintf("domain %q belongs to another tenant", taken)}
	case err != nil:
		return wrapError("set tenant domains", err)
	}
	return nil
}

// TenantDomains lists the tenant's domains in order.
func (db *DB) TenantDomains(ctx context.Context, tenantID string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT domain FROM tenant_domains WHERE tenant_id = ? ORDER BY ord`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant domains: %w", err)
	}
	ds, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant domains: %w", err)
	}
	return ds, nil
}

// TenantByDomain finds the tenant that holds an email domain. ENOTFOUND.
func (db *DB) TenantByDomain(ctx context.Context, domain string) (*roster.Tenant, error) {
	t, err := scanTenant(db.read.QueryRowContext(ctx, `
		SELECT `+tenantColumns+` FROM tenants WHERE id = (SELECT tenant_id FROM tenant_domains WHERE domain = ?)`,
		roster.NormalizeDomain(domain)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no tenant has domain %q", domain)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant by domain: %w", err)
	}
	return t, nil
}

// LinkIdentity stores l, filling Created. ECONFLICT when the subject or the
// user's issuer is linked already; ENOTFOUND when the user does not exist.
func (db *DB) LinkIdentity(ctx context.Context, l *roster.IdentityLink) error {
	l.Created = db.stamp()
	_, err := db.exec(ctx, `
		INSERT INTO identity_links (tenant_id, issuer, subject, user_id, created) VALUES (?, ?, ?, ?, ?)`,
		l.TenantID, l.Issuer, l.Subject, l.UserID, formatTime(l.Created))
	switch {
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "the account %q of %s or the user %q is linked already", l.Subject, l.Issuer, l.UserID)
	case isForeignKey(err):
		return userMissing(l.UserID)
	case err != nil:
		return fmt.Errorf("sqlite: link identity: %w", err)
	}
	return nil
}

// IdentityLinkBySubject finds the link of an IdP account. ENOTFOUND.
func (db *DB) IdentityLinkBySubject(ctx context.Context, tenantID, issuer, subject string) (*roster.IdentityLink, error) {
	return db.identityLink(ctx, `tenant_id = ? AND issuer = ? AND subject = ?`, tenantID, issuer, subject)
}

// IdentityLinkOfUser finds the user's link for an issuer. ENOTFOUND.
func (db *DB) IdentityLinkOfUser(ctx context.Context, tenantID, userID, issuer string) (*roster.IdentityLink, error) {
	return db.identityLink(ctx, `tenant_id = ? AND user_id = ? AND issuer = ?`, tenantID, userID, issuer)
}

func (db *DB) identityLink(ctx context.Context, where string, args ...any) (*roster.IdentityLink, error) {
	var (
		l       roster.IdentityLink
		created sql.NullString
	)
	err := db.read.QueryRowContext(ctx, `SELECT tenant_id, issuer, subject, user_id, created FROM identity_links WHERE `+where, args...).
		Scan(&l.TenantID, &l.Issuer, &l.Subject, &l.UserID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no identity link")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: identity link: %w", err)
	}
	if l.Created, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("sqlite: identity link: %w", err)
	}
	return &l, nil
}

// CreateSigningKey stores k, filling Created. ECONFLICT when the id is taken.
func (db *DB) CreateSigningKey(ctx context.Context, k *roster.SigningKey) error {
	k.Created = db.stamp()
	_, err := db.exec(ctx, `
		INSERT INTO signing_keys (id, algorithm, private, created, activates, retires) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.SealedPrivate, formatTime(k.Created), formatTime(k.Activates), nullTime(k.Retires))
	switch {
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "signing key %q exists", k.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create signing key: %w", err)
	}
	return nil
}

// SigningKeys lists every key, by Activates then id.
func (db *DB) SigningKeys(ctx context.Context) ([]*roster.SigningKey, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT id, algorithm, private, created, activates, retires FROM signing_keys ORDER BY activates, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: signing keys: %w", err)
	}
	defer rows.Close()
	var ks []*roster.SigningKey
	for rows.Next() {
		var (
			k                           roster.SigningKey
			created, activates, retires sql.NullString
		)
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.SealedPrivate, &created, &activates, &retires); err != nil {
			return nil, fmt.Errorf("sqlite: signing keys: %w", err)
		}
		if err := parseTimes([]*time.Time{&k.Created, &k.Activates, &k.Retires}, created, activates, retires); err != nil {
			return nil, fmt.Errorf("sqlite: signing keys: %w", err)
		}
		ks = append(ks, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: signing keys: %w", err)
	}
	return ks, nil
}

// RetireSigningKey sets when the key leaves the JWKS. ENOTFOUND.
func (db *DB) RetireSigningKey(ctx context.Context, id string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE signing_keys SET retires = ? WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: retire signing key: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "signing key %q does not exist", id)
	}
	return nil
}

// CreateAuthCode stores c, filling Created (and Forget, when before Expires).
func (db *DB) CreateAuthCode(ctx context.Context, c *roster.AuthCode) error {
	c.Created = db.stamp()
	if c.Forget.Before(c.Expires) {
		c.Forget = c.Expires
	}
	signIn, err := json.Marshal(c.SignIn)
	if err != nil {
		return fmt.Errorf("sqlite: create auth code: %w", err)
	}
	_, err = db.exec(ctx, `
		INSERT INTO auth_codes (hash, tenant_id, client_id, redirect_uri, challenge, nonce, user_id, session_id, sign_in, created, expires, forget)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Hash, c.TenantID, c.ClientID, c.RedirectURI, c.Challenge, c.Nonce, c.UserID, c.SessionID, string(signIn),
		formatTime(c.Created), formatTime(c.Expires), formatTime(c.Forget))
	switch {
	case isForeignKey(err):
		return tenantMissing(c.TenantID)
	case err != nil:
		return fmt.Errorf("sqlite: create auth code: %w", err)
	}
	return nil
}

// RedeemAuthCode marks the code redeemed and returns it. ENOTFOUND when it
// is unknown or expired; ECONFLICT, ending the session it started, when it
// was redeemed before.
func (db *DB) RedeemAuthCode(ctx context.Context, hash []byte) (*roster.AuthCode, error) {
	now := formatTime(db.stamp())
	var (
		c                        roster.AuthCode
		signIn                   string
		created, expires, forget sql.NullString
		replayed                 bool
	)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		err := txQueryRow(ctx, tx, `
			UPDATE auth_codes SET redeemed = ? WHERE hash = ? AND redeemed IS NULL AND expires > ?
			RETURNING hash, tenant_id, client_id, redirect_uri, challenge, nonce, user_id, session_id, sign_in, created, expires, forget`,
			now, hash, now).
			Scan(&c.Hash, &c.TenantID, &c.ClientID, &c.RedirectURI, &c.Challenge, &c.Nonce, &c.UserID, &c.SessionID,
				&signIn, &created, &expires, &forget)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Not redeemable: a replay of a redeemed code ends its session, in
		// this transaction (so the error is not returned from here).
		var tenantID, sessionID string
		err = txQueryRow(ctx, tx, `
			SELECT tenant_id, session_id FROM auth_codes WHERE hash = ? AND redeemed IS NOT NULL AND forget > ?`, hash, now).
			Scan(&tenantID, &sessionID)
		if err != nil {
			return err
		}
		replayed = true
		_, err = txExec(ctx, tx, `UPDATE sessions SET ended = coalesce(ended, ?) WHERE tenant_id = ? AND id = ?`,
			now, tenantID, sessionID)
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, roster.Errorf(roster.ENOTFOUND, "the code is unknown, used or expired")
	case err != nil:
		return nil, fmt.Errorf("sqlite: redeem auth code: %w", err)
	case replayed:
		return nil, roster.Errorf(roster.ECONFLICT, "the code was redeemed before; the session it started is ended")
	}
	if err := json.Unmarshal([]byte(signIn), &c.SignIn); err != nil {
		return nil, fmt.Errorf("sqlite: redeem auth code: %w", err)
	}
	if err := parseTimes([]*time.Time{&c.Created, &c.Expires, &c.Forget}, created, expires, forget); err != nil {
		return nil, fmt.Errorf("sqlite: redeem auth code: %w", err)
	}
	return &c, nil
}

// UseOnce records that issuer's one-time id is used, until expires.
// ECONFLICT when it was recorded already; ENOTFOUND when the tenant does not exist.
func (db *DB) UseOnce(ctx context.Context, tenantID, issuer, id string, expires time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO used_once (tenant_id, issuer, id, expires) VALUES (?, ?, ?, ?)`,
		tenantID, issuer, id, formatTime(expires))
	switch {
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "%s's one-time id %q was used already", issuer, id)
	case isForeignKey(err):
		return tenantMissing(tenantID)
	case err != nil:
		return fmt.Errorf("sqlite: use once: %w", err)
	}
	return nil
}

// CreateSession stores s, filling ID (when empty) and Created. ENOTFOUND when the tenant does not exist.
func (db *DB) CreateSession(ctx context.Context, s *roster.Session) error {
	if s.ID == "" {
		s.ID = row.NewID()
	}
	s.Created = db.stamp()
	signIn, err := json.Marshal(s.SignIn)
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	_, err = db.exec(ctx, `
		INSERT INTO sessions (tenant_id, id, user_id, sign_in, created, expires) VALUES (?, ?, ?, ?, ?, ?)`,
		s.TenantID, s.ID, s.UserID, string(signIn), formatTime(s.Created), formatTime(s.Expires))
	switch {
	case isForeignKey(err):
		return tenantMissing(s.TenantID)
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "session id %q is already taken", s.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return nil
}

// Session returns the tenant's session, ended or not. ENOTFOUND.
func (db *DB) Session(ctx context.Context, tenantID, id string) (*roster.Session, error) {
	var (
		s                       = roster.Session{TenantID: tenantID, ID: id}
		signIn                  string
		created, expires, ended sql.NullString
	)
	err := db.read.QueryRowContext(ctx, `
		SELECT user_id, sign_in, created, expires, ended FROM sessions WHERE tenant_id = ? AND id = ?`, tenantID, id).
		Scan(&s.UserID, &signIn, &created, &expires, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "session %q does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: session: %w", err)
	}
	if err := json.Unmarshal([]byte(signIn), &s.SignIn); err != nil {
		return nil, fmt.Errorf("sqlite: session: %w", err)
	}
	if err := parseTimes([]*time.Time{&s.Created, &s.Expires, &s.Ended}, created, expires, ended); err != nil {
		return nil, fmt.Errorf("sqlite: session: %w", err)
	}
	return &s, nil
}

// UserSessions returns at most limit of the user's sessions, newest first.
func (db *DB) UserSessions(ctx context.Context, tenantID, userID string, limit int) ([]*roster.Session, error) {
	ss, err := page(ctx, db, nil, `
		SELECT id, sign_in, created, expires, ended FROM sessions
		WHERE tenant_id = ? AND user_id = ?
		ORDER BY created DESC, id DESC LIMIT ?`, []any{tenantID, userID, limit},
		func(sc scanner) (*roster.Session, error) {
			s := &roster.Session{TenantID: tenantID, UserID: userID}
			var (
				signIn                  string
				created, expires, ended sql.NullString
			)
			if err := sc.Scan(&s.ID, &signIn, &created, &expires, &ended); err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(signIn), &s.SignIn); err != nil {
				return nil, err
			}
			return s, parseTimes([]*time.Time{&s.Created, &s.Expires, &s.Ended}, created, expires, ended)
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: user sessions: %w", err)
	}
	return ss, nil
}

// EndSession ends a session, keeping the first end time. ENOTFOUND.
func (db *DB) EndSession(ctx context.Context, tenantID, id string) error {
	n, err := db.exec(ctx, `UPDATE sessions SET ended = coalesce(ended, ?) WHERE tenant_id = ? AND id = ?`,
		formatTime(db.stamp()), tenantID, id)
	if err != nil {
		return fmt.Errorf("sqlite: end session: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "session %q does not exist", id)
	}
	return nil
}

// PruneSignIn deletes the codes past their expiry (a redeemed one past its
// Forget) and the one-time ids past theirs, both counted as codes, and the
// sessions that ended or expired before before.
func (db *DB) PruneSignIn(ctx context.Context, before time.Time) (codes, sessions int64, err error) {
	err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := formatTime(db.stamp())
		res, err := txExec(ctx, tx, `DELETE FROM auth_codes WHERE (redeemed IS NULL AND expires <= ?) OR forget <= ?`, now, now)
		if err != nil {
			return err
		}
		if codes, err = res.RowsAffected(); err != nil {
			return err
		}
		if res, err = txExec(ctx, tx, `DELETE FROM used_once WHERE expires <= ?`, now); err != nil {
			return err
		}
		used, err := res.RowsAffected()
		if err != nil {
			return err
		}
		codes += used
		b := formatTime(before)
		if res, err = txExec(ctx, tx, `DELETE FROM sessions WHERE ended < ? OR expires < ?`, b, b); err != nil {
			return err
		}
		sessions, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: prune sign-in: %w", err)
	}
	return codes, sessions, nil
}

// endUserSessions ends the user's live sessions, in the transaction of the
// write that deactivates, deletes or retires the user.
func endUserSessions(ctx context.Context, tx *sql.Tx, tenantID, userID string, now time.Time) error {
	_, err := txExec(ctx, tx, `UPDATE sessions SET ended = ? WHERE tenant_id = ? AND user_id = ? AND ended IS NULL`,
		formatTime(now), tenantID, userID)
	return err
}

// wrapError passes Roster errors through and prefixes others with the step.
func wrapError(step string, err error) error {
	var re *roster.Error
	if errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", step, err)
}

// SetLoginMethod sets a live user's login method; a change bumps its version
// and appends user.updated in the same transaction. ENOTFOUND.
func (db *DB) SetLoginMethod(ctx context.Context, tenantID, userID, method string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var (
			old, doc, ent string
			now           = db.stamp()
		)
		err := txQueryRow(ctx, tx, `SELECT login_method, doc, entitlements FROM users
			WHERE tenant_id = ? AND id = ? AND retired IS NULL`, tenantID, userID).Scan(&old, &doc, &ent)
		if errors.Is(err, sql.ErrNoRows) {
			return userMissing(userID)
		}
		if err != nil || old == method {
			return err
		}
		if _, err := txExec(ctx, tx, `UPDATE users SET login_method = ?, version = version + 1, modified = ?
			WHERE tenant_id = ? AND id = ?`, method, formatTime(now), tenantID, userID); err != nil {
			return err
		}
		e, err := loginMethodEvent(userID, doc, ent, old, method)
		if err != nil {
			return err
		}
		return appendEvent(ctx, tx, tenantID, now, e)
	})
	var re *roster.Error
	if err != nil && !errors.As(err, &re) {
		return fmt.Errorf("sqlite: set login method: %w", err)
	}
	return err
}

// loginMethodEvent returns the event of a change of login method of the user
// whose stored document and entitlements are doc and ent.
func loginMethodEvent(id, doc, ent, old, method string) (outbox.Event, error) {
	d, err := row.DecodeDoc([]byte(doc))
	if err != nil {
		return outbox.Event{}, err
	}
	app, err := row.DecodeEntitlements([]byte(ent))
	if err != nil {
		return outbox.Event{}, err
	}
	return outbox.LoginMethodChanged(id, d, app, old, method), nil
}

// SetPassword stores the hash of a live user's password. ENOTFOUND.
func (db *DB) SetPassword(ctx context.Context, tenantID, userID, hash string) error {
	n, err := db.exec(ctx, `
		INSERT INTO user_passwords (tenant_id, user_id, hash, updated)
		SELECT tenant_id, id, ?, ? FROM users WHERE tenant_id = ? AND id = ? AND retired IS NULL
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET hash = excluded.hash, updated = excluded.updated`,
		hash, formatTime(db.stamp()), tenantID, userID)
	if err != nil {
		return fmt.Errorf("sqlite: set password: %w", err)
	}
	if n == 0 {
		return userMissing(userID)
	}
	return nil
}

// PasswordHash returns a live user's password hash. ENOTFOUND when it has none.
func (db *DB) PasswordHash(ctx context.Context, tenantID, userID string) (string, error) {
	var hash string
	err := db.read.QueryRowContext(ctx, `
		SELECT p.hash FROM user_passwords p JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.user_id
		WHERE p.tenant_id = ? AND p.user_id = ? AND u.retired IS NULL`, tenantID, userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", roster.Errorf(roster.ENOTFOUND, "user %q has no password", userID)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: password: %w", err)
	}
	return hash, nil
}
