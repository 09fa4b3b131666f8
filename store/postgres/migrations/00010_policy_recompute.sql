-- +goose Up
-- A tenant's recomputation of its users' entitlements under a new policy:
-- SetPolicy starts it (one row per tenant, replaced by the next policy), and
-- one instance at a time leases it and walks the users in id order, each
-- batch one transaction advancing "after" and the counts.
CREATE TABLE policy_recomputes (
    tenant_id   text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    version     bigint NOT NULL,
    total       bigint NOT NULL,
    done        bigint NOT NULL DEFAULT 0,
    changed     bigint NOT NULL DEFAULT 0,
    after       text NOT NULL DEFAULT '',
    started     timestamptz NOT NULL,
    finished    timestamptz,
    owner       text NOT NULL DEFAULT '',
    lease_until timestamptz
);

-- +goose Down
DROP TABLE policy_recomputes;
