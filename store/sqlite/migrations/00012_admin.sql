-- +goose Up
-- A tenant's display name is free text for people; its name stays the slug
-- that URLs carry. Tenants created before names were checked keep theirs.
ALTER TABLE tenants ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
-- A disabled tenant's SCIM requests and sign-ins are refused; nothing of it
-- is deleted. Disabling grows config_version, so servers learn of it as they
-- learn of a policy change.
ALTER TABLE tenants ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

-- The audit trail: one row per operator action, never updated. No foreign
-- key: a deleted tenant's rows stay, found by its name.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    tenant_id   TEXT NOT NULL DEFAULT '',
    tenant_name TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL DEFAULT '',
    before      TEXT CHECK (before IS NULL OR json_valid(before)),
    after       TEXT CHECK (after IS NULL OR json_valid(after))
);
CREATE INDEX audit_tenant ON audit (tenant_id, id);
CREATE INDEX audit_tenant_name ON audit (tenant_name, id);

-- +goose Down
DROP TABLE audit;
ALTER TABLE tenants DROP COLUMN disabled;
ALTER TABLE tenants DROP COLUMN display_name;
