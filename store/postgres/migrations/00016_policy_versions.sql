-- +goose Up
-- Every policy version set is kept already; each now says who set it, as the
-- audit trail names actors ("cli:ada@host"). Versions set before say "".
ALTER TABLE tenant_policies ADD COLUMN set_by text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenant_policies DROP COLUMN set_by;
