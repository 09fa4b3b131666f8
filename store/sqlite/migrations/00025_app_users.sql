-- +goose Up
-- An API key's scope: what it may do on the app API. Existing keys read.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'read';
-- A user the host application created waits for the IdP's first write, which
-- adopts it (user.adopted) rather than creating a twin.
ALTER TABLE users ADD COLUMN awaiting_adoption INTEGER NOT NULL DEFAULT 0;
-- The IdP's last values of the attributes the tenant's policy did not take
-- from it, as a JSON object keyed by attribute path; NULL when there are none.
ALTER TABLE users ADD COLUMN idp_doc TEXT;
-- The drift report pages through the users holding such values.
CREATE INDEX users_idp_doc ON users (tenant_id, id) WHERE idp_doc IS NOT NULL;

-- +goose Down
DROP INDEX users_idp_doc;
ALTER TABLE users DROP COLUMN idp_doc;
ALTER TABLE users DROP COLUMN awaiting_adoption;
ALTER TABLE api_keys DROP COLUMN scope;
