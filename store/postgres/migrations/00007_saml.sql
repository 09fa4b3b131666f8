-- +goose Up
-- SAML connections: the IdP's metadata, the certificate of Roster's service
-- provider key (the key itself is sealed in secret), and whether responses
-- the IdP sends unasked are accepted.
ALTER TABLE sso_connections ADD COLUMN metadata text NOT NULL DEFAULT '';
ALTER TABLE sso_connections ADD COLUMN certificate bytea;
ALTER TABLE sso_connections ADD COLUMN idp_initiated boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE sso_connections DROP COLUMN idp_initiated;
ALTER TABLE sso_connections DROP COLUMN certificate;
ALTER TABLE sso_connections DROP COLUMN metadata;
