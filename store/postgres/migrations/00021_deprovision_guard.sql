-- +goose Up
-- The deprovisioning guard counts each tenant's deactivations and deletes
-- (removals) over its window, and keeps those it held with the event that
-- waits for their release. A row not held is forgotten once older than the
-- longest window (a day); a held row goes when it is released or reverted.
-- A held deactivation keeps the user's entitlements from before, for its revert.
CREATE TABLE removals (
    seq          bigserial PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           text NOT NULL,
    user_id      text NOT NULL,
    kind         text NOT NULL,
    at           timestamptz NOT NULL,
    held         boolean NOT NULL DEFAULT false,
    event_type   text,
    payload      jsonb,
    entitlements jsonb,
    UNIQUE (tenant_id, id)
);
CREATE INDEX removals_at ON removals (tenant_id, at);
-- The purger skips held users through this index.
CREATE INDEX removals_held ON removals (tenant_id, user_id) WHERE held;

-- +goose Down
DROP TABLE removals;
