-- +goose Up
-- Sign-in: the host app's OAuth clients, each tenant's organization, verified
-- domains and upstream IdP connection, the links between IdP accounts and
-- users, Roster's signing keys, authorization codes and sessions.

-- organization is the host app's own id for the customer; NULL when unset.
ALTER TABLE tenants ADD COLUMN organization text UNIQUE;

-- A domain is looked up before its tenant is known (login_hint), like a token
-- by its prefix: it is the key, and belongs to one tenant.
CREATE TABLE tenant_domains (
    domain    text PRIMARY KEY,
    tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    ord       integer NOT NULL
);
CREATE INDEX tenant_domains_tenant ON tenant_domains (tenant_id, ord);

CREATE TABLE oauth_clients (
    id            text PRIMARY KEY,
    name          text NOT NULL DEFAULT '',
    redirect_uris text[] NOT NULL,
    public        boolean NOT NULL,
    hash          bytea,
    created       timestamptz NOT NULL,
    revoked       timestamptz
);

-- secret is the client secret sealed (AES-GCM) with Roster's secret key.
CREATE TABLE sso_connections (
    tenant_id text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    type      text NOT NULL,
    issuer    text NOT NULL,
    client_id text NOT NULL,
    secret    bytea NOT NULL,
    updated   timestamptz NOT NULL
);

-- An IdP account links to one user, and a user to one account per issuer. A
-- deleted user's links go with it.
CREATE TABLE identity_links (
    tenant_id text NOT NULL,
    issuer    text NOT NULL,
    subject   text NOT NULL,
    user_id   text NOT NULL,
    created   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, issuer, subject),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX identity_links_user ON identity_links (tenant_id, user_id, issuer);

-- private is the PKCS #8 key sealed with Roster's secret key.
CREATE TABLE signing_keys (
    id        text PRIMARY KEY,
    algorithm text NOT NULL,
    private   bytea NOT NULL,
    created   timestamptz NOT NULL,
    activates timestamptz NOT NULL,
    retires   timestamptz
);

-- A code is found by its hash before its tenant is known; it is deleted when
-- redeemed.
CREATE TABLE auth_codes (
    hash         bytea PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id    text NOT NULL,
    redirect_uri text NOT NULL,
    challenge    text NOT NULL DEFAULT '',
    nonce        text NOT NULL DEFAULT '',
    user_id      text NOT NULL,
    session_id   text NOT NULL,
    sign_in      jsonb NOT NULL,
    created      timestamptz NOT NULL,
    expires      timestamptz NOT NULL
);
CREATE INDEX auth_codes_expires ON auth_codes (expires);

-- Sessions outlive their user's deletion as records; a user's write that
-- deactivates, deletes or retires it sets ended.
CREATE TABLE sessions (
    tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        text NOT NULL,
    user_id   text NOT NULL,
    sign_in   jsonb NOT NULL,
    created   timestamptz NOT NULL,
    expires   timestamptz NOT NULL,
    ended     timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id) WHERE ended IS NULL;

-- +goose Down
DROP TABLE sessions;
DROP TABLE auth_codes;
DROP TABLE signing_keys;
DROP TABLE identity_links;
DROP TABLE sso_connections;
DROP TABLE oauth_clients;
DROP TABLE tenant_domains;
ALTER TABLE tenants DROP COLUMN organization;
