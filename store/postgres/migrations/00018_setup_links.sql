-- +goose Up
-- Links a customer's IT admin redeems once to connect the customer's IdP.
-- Only SHA-256 hashes of the link's secret and of its session's are kept.
CREATE TABLE setup_links (
    id            text PRIMARY KEY,
    tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scopes        text NOT NULL,
    prefix        text NOT NULL,
    hash          bytea NOT NULL UNIQUE,
    created_by    text NOT NULL,
    created       timestamptz NOT NULL,
    expires       timestamptz NOT NULL,
    redeemed      timestamptz,
    redeemed_from text NOT NULL DEFAULT '',
    revoked       timestamptz,
    session_hash  bytea UNIQUE,
    session_seen  timestamptz
);
CREATE INDEX setup_links_tenant ON setup_links (tenant_id, created);

-- +goose Down
DROP TABLE setup_links;
