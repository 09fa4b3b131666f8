-- +goose Up
-- The host application's side: API keys, webhooks with their delivery state,
-- recent delivery attempts, and how far the outbox was pruned.

CREATE TABLE api_keys (
    id        TEXT NOT NULL PRIMARY KEY,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE, -- NULL: every tenant
    name      TEXT NOT NULL DEFAULT '',
    prefix    TEXT NOT NULL,
    hash      BLOB NOT NULL,
    created   TEXT NOT NULL,
    last_used TEXT,
    revoked   TEXT
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE webhooks (
    id            TEXT NOT NULL PRIMARY KEY,
    tenant_id     TEXT REFERENCES tenants (id) ON DELETE CASCADE, -- NULL: every tenant
    url           TEXT NOT NULL,
    secret        TEXT NOT NULL,
    types         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(types)),
    created       TEXT NOT NULL,
    cursor        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  TEXT,
    failing_since TEXT,
    failed        TEXT,
    last_error    TEXT NOT NULL DEFAULT '',
    lease_owner   TEXT,
    lease_until   TEXT
);

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    duration_us INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

CREATE TABLE outbox_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_through INTEGER NOT NULL
);
INSERT INTO outbox_state (id, pruned_through) VALUES (1, 0);
CREATE INDEX events_created ON events (created);

-- +goose Down
DROP INDEX events_created;
DROP TABLE outbox_state;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE api_keys;
