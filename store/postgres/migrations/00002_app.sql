-- +goose Up
-- The host application's side: API keys, webhooks with their delivery state,
-- recent delivery attempts, and how far the outbox was pruned.

CREATE TABLE api_keys (
    id        text PRIMARY KEY,
    tenant_id text REFERENCES tenants (id) ON DELETE CASCADE, -- NULL: every tenant
    name      text NOT NULL DEFAULT '',
    prefix    text NOT NULL,
    hash      bytea NOT NULL,
    created   timestamptz NOT NULL,
    last_used timestamptz,
    revoked   timestamptz
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE webhooks (
    id            text PRIMARY KEY,
    tenant_id     text REFERENCES tenants (id) ON DELETE CASCADE, -- NULL: every tenant
    url           text NOT NULL,
    secret        text NOT NULL,
    types         text[] NOT NULL DEFAULT '{}',
    created       timestamptz NOT NULL,
    cursor        bigint NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    next_attempt  timestamptz,
    failing_since timestamptz,
    failed        timestamptz,
    last_error    text NOT NULL DEFAULT '',
    lease_owner   text,
    lease_until   timestamptz
);

CREATE TABLE webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id  text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    event_id    text NOT NULL,
    event_type  text NOT NULL,
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL,
    status      integer NOT NULL,
    error       text NOT NULL DEFAULT '',
    duration_us bigint NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

CREATE TABLE outbox_state (
    id             integer PRIMARY KEY CHECK (id = 1),
    pruned_through bigint NOT NULL
);
INSERT INTO outbox_state (id, pruned_through) VALUES (1, 0);
CREATE INDEX events_created ON events (created);

-- +goose Down
DROP INDEX events_created;
DROP TABLE outbox_state;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE api_keys;
