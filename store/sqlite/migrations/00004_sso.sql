-- +goose Up
-- Sign-in: the host app's OAuth clients, each tenant's organization, verified
-- domains and upstream IdP connection, the links between IdP accounts and
-- users, Roster's signing keys, authorization codes and sessions.

-- organization is the host app's own id for the customer; NULL when unset.
ALTER TABLE tenants ADD COLUMN organization TEXT;
CREATE UNIQUE INDEX tenants_organization ON tenants (organization);

-- A domain is looked up before its tenant is known (login_hint), like a token
-- by its prefix: it is the key, and belongs to one tenant.
CREATE TABLE tenant_domains (
    domain    TEXT NOT NULL PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    ord       INTEGER NOT NULL
);
CREATE INDEX tenant_domains_tenant ON tenant_domains (tenant_id, ord);

CREATE TABLE oauth_clients (
    id            TEXT NOT NULL PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    redirect_uris TEXT NOT NULL CHECK (json_valid(redirect_uris)),
    public        INTEGER NOT NULL CHECK (public IN (0, 1)),
    hash          BLOB,
    created       TEXT NOT NULL,
    revoked       TEXT
);

-- secret is the client secret sealed (AES-GCM) with Roster's secret key.
CREATE TABLE sso_connections (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    type      TEXT NOT NULL,
    issuer    TEXT NOT NULL,
    client_id TEXT NOT NULL,
    secret    BLOB NOT NULL,
    updated   TEXT NOT NULL
);

-- An IdP account links to one user, and a user to one account per issuer. A
-- deleted user's links go with it.
CREATE TABLE identity_links (
    tenant_id TEXT NOT NULL,
    issuer    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    created   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, issuer, subject),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX identity_links_user ON identity_links (tenant_id, user_id, issuer);

-- private is the PKCS #8 key sealed with Roster's secret key.
CREATE TABLE signing_keys (
    id        TEXT NOT NULL PRIMARY KEY,
    algorithm TEXT NOT NULL,
    private   BLOB NOT NULL,
    created   TEXT NOT NULL,
    activates TEXT NOT NULL,
    retires   TEXT
);

-- A code is found by its hash before its tenant is known; it is deleted when
-- redeemed.
CREATE TABLE auth_codes (
    hash         BLOB NOT NULL PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    challenge    TEXT NOT NULL DEFAULT '',
    nonce        TEXT NOT NULL DEFAULT '',
    user_id      TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    sign_in      TEXT NOT NULL CHECK (json_valid(sign_in)),
    created      TEXT NOT NULL,
    expires      TEXT NOT NULL
);
CREATE INDEX auth_codes_expires ON auth_codes (expires);

-- Sessions outlive their user's deletion as records; a user's write that
-- deactivates, deletes or retires it sets ended.
CREATE TABLE sessions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    sign_in   TEXT NOT NULL CHECK (json_valid(sign_in)),
    created   TEXT NOT NULL,
    expires   TEXT NOT NULL,
    ended     TEXT,
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
DROP INDEX tenants_organization;
ALTER TABLE tenants DROP COLUMN organization;
