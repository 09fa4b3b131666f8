package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	_, err := db.pool.Exec(ctx, `
		INSERT INTO oauth_clients (id, name, redirect_uris, public, hash, created) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, c.Name, c.RedirectURIs, c.Public, c.Hash, c.Created)
	switch code, _ := sqlState(err); {
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "OAuth client id %q is already taken", c.ID)
	case err != nil:
		return wrap("create OAuth client", err)
	}
	return nil
}

const oauthClientColumns = `id, name, redirect_uris, public, hash, created, revoked`

// OAuthClient returns the client, live or revoked. ENOTFOUND.
func (db *DB) OAuthClient(ctx context.Context, id string) (*roster.OAuthClient, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+oauthClientColumns+` FROM oauth_clients WHERE id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, scanOAuthClient)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "OAuth client %q does not exist", id)
	}
	if err != nil {
		return nil, wrap("OAuth client", err)
	}
	return c, nil
}

// OAuthClients lists every client, newest first.
func (db *DB) OAuthClients(ctx context.Context) ([]*roster.OAuthClient, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+oauthClientColumns+` FROM oauth_clients ORDER BY created DESC, id`)
	cs, err := pgx.CollectRows(rows, scanOAuthClient)
	if err != nil {
		return nil, wrap("OAuth clients", err)
	}
	return cs, nil
}

// OAuthClientPage returns at most q.Limit clients of q, newest first (ids in
// byte order among clients created at once). The page after q.After starts
// below that client's creation time and id; an After that names no client has
// no page after it.
func (db *DB) OAuthClientPage(ctx context.Context, q roster.OAuthClientQuery) ([]*roster.OAuthClient, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT `+oauthClientColumns+` FROM oauth_clients
		WHERE ($1 = '' OR (created, id COLLATE "C") < (SELECT created, id COLLATE "C" FROM oauth_clients WHERE id = $1))
		AND ($2 = '' OR strpos(lower(name), lower($2)) > 0 OR strpos(lower(id), lower($2)) > 0)
		ORDER BY created DESC, id COLLATE "C" DESC LIMIT $3`, q.After, q.Search, q.Limit)
	cs, err := pgx.CollectRows(rows, scanOAuthClient)
	if err != nil {
		return nil, wrap("OAuth client page", err)
	}
	return cs, nil
}

func scanOAuthClient(cr pgx.CollectableRow) (*roster.OAuthClient, error) {
	var (
		c       roster.OAuthClient
		revoked *time.Time
	)
	if err := cr.Scan(&c.ID, &c.Name, &c.RedirectURIs, &c.Public, &c.Hash, &c.Created, &revoked); err != nil {
		return nil, err
	}
	c.Created, c.Revoked = c.Created.UTC(), fromNull(revoked)
	return &c, nil
}

// RevokeOAuthClient marks the client revoked (keeping the first revocation time). ENOTFOUND.
func (db *DB) RevokeOAuthClient(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE oauth_clients SET revoked = coalesce(revoked, $1) WHERE id = $2`, db.stamp(), id)
	if err != nil {
		return wrap("revoke OAuth client", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "OAuth client %q does not exist", id)
	}
	return nil
}

// SetSSOConnection creates or replaces the tenant's connection, filling Updated. ENOTFOUND.
func (db *DB) SetSSOConnection(ctx context.Context, c *roster.SSOConnection) error {
	c.Updated = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO sso_connections (tenant_id, type, issuer, client_id, secret, metadata, certificate, idp_initiated, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (tenant_id) DO UPDATE SET type = excluded.type, issuer = excluded.issuer,
			client_id = excluded.client_id, secret = excluded.secret, metadata = excluded.metadata,
			certificate = excluded.certificate, idp_initiated = excluded.idp_initiated, updated = excluded.updated`,
		c.TenantID, c.Type, c.Issuer, c.ClientID, c.SealedSecret, c.Metadata, c.Certificate, c.IdPInitiated, c.Updated)
	switch code, _ := sqlState(err); {
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", c.TenantID)
	case err != nil:
		return wrap("set SSO connection", err)
	}
	return nil
}

// SSOConnection returns the tenant's connection. ENOTFOUND when it has none.
func (db *DB) SSOConnection(ctx context.Context, tenantID string) (*roster.SSOConnection, error) {
	c := roster.SSOConnection{TenantID: tenantID}
	err := db.pool.QueryRow(ctx, `
		SELECT type, issuer, client_id, secret, metadata, certificate, idp_initiated, updated
		FROM sso_connections WHERE tenant_id = $1`, tenantID).
		Scan(&c.Type, &c.Issuer, &c.ClientID, &c.SealedSecret, &c.Metadata, &c.Certificate, &c.IdPInitiated, &c.Updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "tenant %q has no sign-in connection", tenantID)
	}
	if err != nil {
		return nil, wrap("SSO connection", err)
	}
	c.Updated = c.Updated.UTC()
	return &c, nil
}

// DeleteSSOConnection deletes the tenant's connection. ENOTFOUND when it has none.
func (db *DB) DeleteSSOConnection(ctx context.Context, tenantID string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sso_connections WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return wrap("delete SSO connection", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "tenant %q has no sign-in connection", tenantID)
	}
	return nil
}

// SetTenantOrganization sets the tenant's organization ("" clears it). ECONFLICT, ENOTFOUND.
func (db *DB) SetTenantOrganization(ctx context.Context, tenantID, organization string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tenants SET organization = $1 WHERE id = $2`, nullString(organization), tenantID)
	switch code, _ := sqlState(err); {
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "organization %q belongs to another tenant", organization)
	case err != nil:
		return wrap("set tenant organization", err)
	case tag.RowsAffected() == 0:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", tenantID)
	}
	return nil
}

// TenantByOrganization finds the tenant with that organization. ENOTFOUND.
func (db *DB) TenantByOrganization(ctx context.Context, organization string) (*roster.Tenant, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE organization = $1`, organization)
	t, err := pgx.CollectExactlyOneRow(rows, scanTenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no tenant has organization %q", organization)
	}
	if err != nil {
		return nil, wrap("tenant by organization", err)
	}
	return t, nil
}

// SetTenantDomains replaces the tenant's verified domains. ECONFLICT, ENOTFOUND.
func (db *DB) SetTenantDomains(ctx context.Context, tenantID string, domains []string) error {
	ds := roster.NormalizeDomains(domains)
	err := db.write(ctx, tenantID, func(t *tx) error {
		// The tenant's row lock orders concurrent replacements of its domains.
		var one int
		err := t.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR NO KEY UPDATE`, tenantID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", tenantID)
		}
		if err != nil {
			return err
		}
		if _, err := t.Exec(ctx, `DELETE FROM tenant_domains WHERE tenant_id = $1`, tenantID); err != nil {
			return err
		}
		_, err = t.Exec(ctx, `
			INSERT INTO tenant_domains (domain, tenant_id, ord)
			SELECT d, $1, n FROM unnest($2::text[]) WITH ORDINALITY AS x(d, n)`, tenantID, ds)
		return err
	})
	if code, _ := sqlState(err); code == uniqueViolation {
		return &roster.Error{Code: roster.ECONFLICT, Attr: "domain",
			Detail: fmt.Sprintf("a domain of %q belongs to another tenant", ds)}
	}
	return wrap("set tenant domains", err)
}

// TenantDomains lists the tenant's domains in order.
func (db *DB) TenantDomains(ctx context.Context, tenantID string) ([]string, error) {
	rows, _ := db.pool.Query(ctx, `SELECT domain FROM tenant_domains WHERE tenant_id = $1 ORDER BY ord`, tenantID)
	ds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("tenant domains", err)
	}
	return ds, nil
}

// TenantByDomain finds the tenant that holds an email domain. ENOTFOUND.
func (db *DB) TenantByDomain(ctx context.Context, domain string) (*roster.Tenant, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT `+tenantColumns+` FROM tenants WHERE id = (SELECT tenant_id FROM tenant_domains WHERE domain = $1)`,
		roster.NormalizeDomain(domain))
	t, err := pgx.CollectExactlyOneRow(rows, scanTenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no tenant has domain %q", domain)
	}
	if err != nil {
		return nil, wrap("tenant by domain", err)
	}
	return t, nil
}

// LinkIdentity stores l, filling Created. ECONFLICT when the subject or the
// user's issuer is linked already; ENOTFOUND when the user does not exist.
func (db *DB) LinkIdentity(ctx context.Context, l *roster.IdentityLink) error {
	l.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO identity_links (tenant_id, issuer, subject, user_id, created) VALUES ($1, $2, $3, $4, $5)`,
		l.TenantID, l.Issuer, l.Subject, l.UserID, l.Created)
	switch code, _ := sqlState(err); {
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "the account %q of %s or the user %q is linked already", l.Subject, l.Issuer, l.UserID)
	case code == foreignKeyViolation:
		return userMissing(l.UserID)
	case err != nil:
		return wrap("link identity", err)
	}
	return nil
}

// IdentityLinkBySubject finds the link of an IdP account. ENOTFOUND.
func (db *DB) IdentityLinkBySubject(ctx context.Context, tenantID, issuer, subject string) (*roster.IdentityLink, error) {
	return db.identityLink(ctx, `tenant_id = $1 AND issuer = $2 AND subject = $3`, tenantID, issuer, subject)
}

// IdentityLinkOfUser finds the user's link for an issuer. ENOTFOUND.
func (db *DB) IdentityLinkOfUser(ctx context.Context, tenantID, userID, issuer string) (*roster.IdentityLink, error) {
	return db.identityLink(ctx, `tenant_id = $1 AND user_id = $2 AND issuer = $3`, tenantID, userID, issuer)
}

func (db *DB) identityLink(ctx context.Context, where string, args ...any) (*roster.IdentityLink, error) {
	var l roster.IdentityLink
	err := db.pool.QueryRow(ctx, `SELECT tenant_id, issuer, subject, user_id, created FROM identity_links WHERE `+where, args...).
		Scan(&l.TenantID, &l.Issuer, &l.Subject, &l.UserID, &l.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no identity link")
	}
	if err != nil {
		return nil, wrap("identity link", err)
	}
	l.Created = l.Created.UTC()
	return &l, nil
}

// CreateSigningKey stores k, filling Created. ECONFLICT when the id is taken.
func (db *DB) CreateSigningKey(ctx context.Context, k *roster.SigningKey) error {
	k.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO signing_keys (id, algorithm, private, created, activates, retires) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.Algorithm, k.SealedPrivate, k.Created, k.Activates.UTC(), nullTime(k.Retires))
	switch code, _ := sqlState(err); {
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "signing key %q exists", k.ID)
	case err != nil:
		return wrap("create signing key", err)
	}
	return nil
}

// SigningKeys lists every key, by Activates then id.
func (db *DB) SigningKeys(ctx context.Context) ([]*roster.SigningKey, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT id, algorithm, private, created, activates, retires FROM signing_keys ORDER BY activates, id`)
	ks, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (*roster.SigningKey, error) {
		var (
			k       roster.SigningKey
			retires *time.Time
		)
		if err := cr.Scan(&k.ID, &k.Algorithm, &k.SealedPrivate, &k.Created, &k.Activates, &retires); err != nil {
			return nil, err
		}
		k.Created, k.Activates, k.Retires = k.Created.UTC(), k.Activates.UTC(), fromNull(retires)
		return &k, nil
	})
	if err != nil {
		return nil, wrap("signing keys", err)
	}
	return ks, nil
}

// RetireSigningKey sets when the key leaves the JWKS. ENOTFOUND.
func (db *DB) RetireSigningKey(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE signing_keys SET retires = $1 WHERE id = $2`, at.UTC(), id)
	if err != nil {
		return wrap("retire signing key", err)
	}
	if tag.RowsAffected() == 0 {
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
	_, err := db.pool.Exec(ctx, `
		INSERT INTO auth_codes (hash, tenant_id, client_id, redirect_uri, challenge, nonce, user_id, session_id, sign_in, created, expires, forget)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		c.Hash, c.TenantID, c.ClientID, c.RedirectURI, c.Challenge, c.Nonce, c.UserID, c.SessionID, c.SignIn,
		c.Created, c.Expires.UTC(), c.Forget.UTC())
	switch code, _ := sqlState(err); {
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", c.TenantID)
	case err != nil:
		return wrap("create auth code", err)
	}
	return nil
}

// RedeemAuthCode marks the code redeemed and returns it. ENOTFOUND when it
// is unknown or expired; ECONFLICT, ending the session it started, when it
// was redeemed before. Of concurrent redemptions, the UPDATE of one finds
// the row unredeemed; the others wait for its row lock and find it redeemed.
func (db *DB) RedeemAuthCode(ctx context.Context, hash []byte) (*roster.AuthCode, error) {
	now := db.stamp()
	var (
		c        roster.AuthCode
		replayed bool
	)
	err := pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error {
		err := t.QueryRow(ctx, `
			UPDATE auth_codes SET redeemed = $2 WHERE hash = $1 AND redeemed IS NULL AND expires > $2
			RETURNING hash, tenant_id, client_id, redirect_uri, challenge, nonce, user_id, session_id, sign_in, created, expires, forget`,
			hash, now).
			Scan(&c.Hash, &c.TenantID, &c.ClientID, &c.RedirectURI, &c.Challenge, &c.Nonce, &c.UserID, &c.SessionID,
				&c.SignIn, &c.Created, &c.Expires, &c.Forget)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var tenantID, sessionID string
		err = t.QueryRow(ctx, `
			SELECT tenant_id, session_id FROM auth_codes WHERE hash = $1 AND redeemed IS NOT NULL AND forget > $2`, hash, now).
			Scan(&tenantID, &sessionID)
		if err != nil {
			return err
		}
		replayed = true
		_, err = t.Exec(ctx, `UPDATE sessions SET ended = coalesce(ended, $1) WHERE tenant_id = $2 AND id = $3`,
			now, tenantID, sessionID)
		return err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, roster.Errorf(roster.ENOTFOUND, "the code is unknown, used or expired")
	case err != nil:
		return nil, wrap("redeem auth code", err)
	case replayed:
		return nil, roster.Errorf(roster.ECONFLICT, "the code was redeemed before; the session it started is ended")
	}
	c.Created, c.Expires, c.Forget = c.Created.UTC(), c.Expires.UTC(), c.Forget.UTC()
	c.SignIn.AuthTime = c.SignIn.AuthTime.UTC()
	return &c, nil
}

// UseOnce records that issuer's one-time id is used, until expires. The
// primary key decides between concurrent uses, across instances.
// ECONFLICT when it was recorded already; ENOTFOUND when the tenant does not exist.
func (db *DB) UseOnce(ctx context.Context, tenantID, issuer, id string, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO used_once (tenant_id, issuer, id, expires) VALUES ($1, $2, $3, $4)`,
		tenantID, issuer, id, expires.UTC())
	switch code, _ := sqlState(err); {
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "%s's one-time id %q was used already", issuer, id)
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", tenantID)
	case err != nil:
		return wrap("use once", err)
	}
	return nil
}

// CreateSession stores s, filling ID (when empty) and Created. ENOTFOUND when the tenant does not exist.
func (db *DB) CreateSession(ctx context.Context, s *roster.Session) error {
	if s.ID == "" {
		s.ID = row.NewID()
	}
	s.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO sessions (tenant_id, id, user_id, sign_in, created, expires) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.TenantID, s.ID, s.UserID, s.SignIn, s.Created, s.Expires.UTC())
	switch code, _ := sqlState(err); {
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", s.TenantID)
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "session id %q is already taken", s.ID)
	case err != nil:
		return wrap("create session", err)
	}
	return nil
}

// Session returns the tenant's session, ended or not. ENOTFOUND.
func (db *DB) Session(ctx context.Context, tenantID, id string) (*roster.Session, error) {
	var (
		s     = roster.Session{TenantID: tenantID, ID: id}
		ended *time.Time
	)
	err := db.pool.QueryRow(ctx, `
		SELECT user_id, sign_in, created, expires, ended FROM sessions WHERE tenant_id = $1 AND id = $2`, tenantID, id).
		Scan(&s.UserID, &s.SignIn, &s.Created, &s.Expires, &ended)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "session %q does not exist", id)
	}
	if err != nil {
		return nil, wrap("session", err)
	}
	s.Created, s.Expires, s.Ended = s.Created.UTC(), s.Expires.UTC(), fromNull(ended)
	s.SignIn.AuthTime = s.SignIn.AuthTime.UTC()
	return &s, nil
}

// UserSessions returns at most limit of the user's sessions, newest first.
func (db *DB) UserSessions(ctx context.Context, tenantID, userID string, limit int) ([]*roster.Session, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT id, sign_in, created, expires, ended FROM sessions
		WHERE tenant_id = $1 AND user_id = $2
		ORDER BY created DESC, id DESC LIMIT $3`, tenantID, userID, limit)
	ss, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (*roster.Session, error) {
		s := &roster.Session{TenantID: tenantID, UserID: userID}
		var ended *time.Time
		if err := cr.Scan(&s.ID, &s.SignIn, &s.Created, &s.Expires, &ended); err != nil {
			return nil, err
		}
		s.Created, s.Expires, s.Ended = s.Created.UTC(), s.Expires.UTC(), fromNull(ended)
		s.SignIn.AuthTime = s.SignIn.AuthTime.UTC()
		return s, nil
	})
	if err != nil {
		return nil, wrap("user sessions", err)
	}
	return ss, nil
}

// EndSession ends a session, keeping the first end time. ENOTFOUND.
func (db *DB) EndSession(ctx context.Context, tenantID, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET ended = coalesce(ended, $1) WHERE tenant_id = $2 AND id = $3`,
		db.stamp(), tenantID, id)
	if err != nil {
		return wrap("end session", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "session %q does not exist", id)
	}
	return nil
}

// PruneSignIn deletes the codes past their expiry (a redeemed one past its
// Forget) and the one-time ids past theirs, both counted as codes, and the
// sessions that ended or expired before before.
func (db *DB) PruneSignIn(ctx context.Context, before time.Time) (codes, sessions int64, err error) {
	now := db.stamp()
	tag, err := db.pool.Exec(ctx, `DELETE FROM auth_codes WHERE (redeemed IS NULL AND expires <= $1) OR forget <= $1`, now)
	if err != nil {
		return 0, 0, wrap("prune sign-in", err)
	}
	codes = tag.RowsAffected()
	if tag, err = db.pool.Exec(ctx, `DELETE FROM used_once WHERE expires <= $1`, now); err != nil {
		return codes, 0, wrap("prune sign-in", err)
	}
	codes += tag.RowsAffected()
	if tag, err = db.pool.Exec(ctx, `DELETE FROM sessions WHERE ended < $1 OR expires < $1`, before); err != nil {
		return codes, 0, wrap("prune sign-in", err)
	}
	return codes, tag.RowsAffected(), nil
}

// queueEndUserSessions queues on b the end of the user's live sessions, in
// the transaction of the write that deactivates, deletes or retires the user.
func queueEndUserSessions(b *pgx.Batch, t *tx, userID string) {
	b.Queue(`UPDATE sessions SET ended = $1 WHERE tenant_id = $2 AND user_id = $3 AND ended IS NULL`,
		t.now, t.tenantID, userID)
}

// SetLoginMethod sets a live user's login method; a change bumps its version
// and appends user.updated in the same transaction. ENOTFOUND.
func (db *DB) SetLoginMethod(ctx context.Context, tenantID, userID, method string) error {
	err := db.write(ctx, tenantID, func(t *tx) error {
		var (
			old      string
			doc, ent []byte
		)
		err := t.QueryRow(ctx, `SELECT login_method, doc, entitlements FROM users
			WHERE tenant_id = $1 AND id = $2 AND retired IS NULL FOR UPDATE`, tenantID, userID).Scan(&old, &doc, &ent)
		if errors.Is(err, pgx.ErrNoRows) {
			return userMissing(userID)
		}
		if err != nil || old == method {
			return err
		}
		if _, err := t.Exec(ctx, `UPDATE users SET login_method = $1, version = version + 1, modified = $2
			WHERE tenant_id = $3 AND id = $4`, method, t.now, tenantID, userID); err != nil {
			return err
		}
		d, err := row.DecodeDoc(doc)
		if err != nil {
			return err
		}
		app, err := row.DecodeEntitlements(ent)
		if err != nil {
			return err
		}
		t.event(outbox.LoginMethodChanged(userID, d, app, old, method))
		return nil
	})
	return wrap("set login method", err)
}

// SetPassword stores the hash of a live user's password. ENOTFOUND.
func (db *DB) SetPassword(ctx context.Context, tenantID, userID, hash string) error {
	tag, err := db.pool.Exec(ctx, `
		INSERT INTO user_passwords (tenant_id, user_id, hash, updated)
		SELECT tenant_id, id, $1, $2 FROM users WHERE tenant_id = $3 AND id = $4 AND retired IS NULL
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET hash = excluded.hash, updated = excluded.updated`,
		hash, db.stamp(), tenantID, userID)
	if err != nil {
		return wrap("set password", err)
	}
	if tag.RowsAffected() == 0 {
		return userMissing(userID)
	}
	return nil
}

// PasswordHash returns a live user's password hash. ENOTFOUND when it has none.
func (db *DB) PasswordHash(ctx context.Context, tenantID, userID string) (string, error) {
	var hash string
	err := db.pool.QueryRow(ctx, `
		SELECT p.hash FROM user_passwords p JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.user_id
		WHERE p.tenant_id = $1 AND p.user_id = $2 AND u.retired IS NULL`, tenantID, userID).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", roster.Errorf(roster.ENOTFOUND, "user %q has no password", userID)
	}
	if err != nil {
		return "", wrap("password", err)
	}
	return hash, nil
}
