-- +goose Up
-- A tenant's display name is free text for people; its name stays the slug
-- that URLs carry. Tenants created before names were checked keep theirs.
ALTER TABLE tenants ADD COLUMN display_name text NOT NULL DEFAULT '';
-- A disabled tenant's SCIM requests and sign-ins are refused; nothing of it
-- is deleted. Disabling grows config_version, so servers learn of it as they
-- learn of a policy change.
ALTER TABLE tenants ADD COLUMN disabled boolean NOT NULL DEFAULT false;

-- The audit trail: one row per operator action, never updated. No foreign
-- key: a deleted tenant's rows stay, found by its name.
CREATE TABLE audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    source      text NOT NULL DEFAULT '',
    action      text NOT NULL,
    tenant_id   text NOT NULL DEFAULT '',
    tenant_name text NOT NULL DEFAULT '',
    target      text NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb
);
CREATE INDEX audit_tenant ON audit (tenant_id, id);
CREATE INDEX audit_tenant_name ON audit (tenant_name, id);

-- +goose Down
DROP TABLE audit;
ALTER TABLE tenants DROP COLUMN disabled;
ALTER TABLE tenants DROP COLUMN display_name;
