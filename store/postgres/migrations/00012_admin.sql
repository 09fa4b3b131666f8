-- +goose Up
-- A tenant's display name is free text for people; its name stays the slug
-- that URLs carry. Tenants created before names were checked keep theirs.
ALTER TABLE tenants ADD COLUMN display_name text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN display_name;
