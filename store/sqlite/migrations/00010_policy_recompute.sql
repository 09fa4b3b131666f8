-- +goose Up
-- A tenant's recomputation of its users' entitlements under a new policy:
-- SetPolicy starts it (one row per tenant, replaced by the next policy), and
-- one server at a time leases it and walks the users in id order, each batch
-- one transaction advancing "after" and the counts.
CREATE TABLE policy_recomputes (
    tenant_id   TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    changed     INTEGER NOT NULL DEFAULT 0,
    after       TEXT NOT NULL DEFAULT '',
    started     TEXT NOT NULL,
    finished    TEXT,
    owner       TEXT NOT NULL DEFAULT '',
    lease_until TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE policy_recomputes;
