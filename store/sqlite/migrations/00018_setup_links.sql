-- +goose Up
-- Links a customer's IT admin redeems once to connect the customer's IdP.
-- Only SHA-256 hashes of the link's secret and of its session's are kept.
CREATE TABLE setup_links (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scopes        TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    hash          BLOB NOT NULL UNIQUE,
    created_by    TEXT NOT NULL,
    created       TEXT NOT NULL,
    expires       TEXT NOT NULL,
    redeemed      TEXT,
    redeemed_from TEXT NOT NULL DEFAULT '',
    revoked       TEXT,
    session_hash  BLOB UNIQUE,
    session_seen  TEXT
);
CREATE INDEX setup_links_tenant ON setup_links (tenant_id, created);

-- +goose Down
DROP TABLE setup_links;
