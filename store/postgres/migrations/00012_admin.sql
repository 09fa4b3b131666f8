-- +goose Up
-- A tenant's display name is free text for people; its name stays the slug
-- that URLs carry. Tenants created before names were checked keep theirs.
ALTER TABLE tenants ADD COLUMN display_name text NOT NULL DEFAULT '';
-- A disabled tenant's SCIM requests and sign-ins are refused; nothing of it
-- is deleted. Disabling grows config_version, so servers learn of it as they
-- learn of a policy change.
ALTER TABLE tenants ADD COLUMN disabled boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE tenants DROP COLUMN disabled;
ALTER TABLE tenants DROP COLUMN display_name;
