-- +goose Up
-- A token is a bearer token or an OAuth 2.0 client, whose id and secret are
-- exchanged at /oauth2/token for short-lived access tokens (RFC 6749 §4.4).
ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'bearer' CHECK (kind IN ('bearer', 'oauth'));
-- The access tokens issued to clients: found by prefix, then by hash; a
-- client of the same tenant only; they go with their client, and the pruner
-- deletes them once expired.
CREATE TABLE access_tokens (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    prefix    TEXT NOT NULL,
    hash      BLOB NOT NULL,
    created   TEXT NOT NULL,
    expires   TEXT NOT NULL,
    FOREIGN KEY (tenant_id, client_id) REFERENCES tokens (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX access_tokens_prefix ON access_tokens (prefix);
CREATE INDEX access_tokens_client ON access_tokens (tenant_id, client_id);
CREATE INDEX access_tokens_expires ON access_tokens (expires);

-- +goose Down
DROP TABLE access_tokens;
ALTER TABLE tokens DROP COLUMN kind;
