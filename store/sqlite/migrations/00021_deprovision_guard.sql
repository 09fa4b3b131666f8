-- +goose Up
-- The deprovisioning guard counts each tenant's deactivations and deletes
-- (removals) over its window, and keeps those it held with the event that
-- waits for their release. A row not held is forgotten once older than the
-- longest window (a day); a held row goes when it is released or reverted.
-- A held deactivation keeps the user's entitlements from before, for its revert.
CREATE TABLE removals (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    at           TEXT NOT NULL,
    held         INTEGER NOT NULL DEFAULT 0,
    event_type   TEXT,
    payload      TEXT,
    entitlements TEXT,
    UNIQUE (tenant_id, id)
);
CREATE INDEX removals_at ON removals (tenant_id, at);
-- The purger skips held users through this index.
CREATE INDEX removals_held ON removals (tenant_id, user_id) WHERE held = 1;

-- +goose Down
DROP TABLE removals;
