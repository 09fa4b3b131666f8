-- +goose Up
-- A group holds its displayName in its tenant, in any case, when the tenant's
-- policy asks it to (groups.uniqueDisplayName, on by default): Entra ID
-- matches groups by displayName. name_key is the name in lower case, or NULL
-- for a group that holds none; the unique index is what refuses a second
-- holder, also to concurrent writes.
ALTER TABLE groups ADD COLUMN name_key text;

-- Groups that already share a name keep it: the oldest of each (created, then
-- id) holds it, the others hold none until renamed.
UPDATE groups g SET name_key = lower(g.display_name)
FROM (SELECT tenant_id, id,
             row_number() OVER (PARTITION BY tenant_id, lower(display_name) ORDER BY created, id) AS n
      FROM groups) f
WHERE f.tenant_id = g.tenant_id AND f.id = g.id AND f.n = 1;

CREATE UNIQUE INDEX groups_name_key ON groups (tenant_id, name_key);

-- +goose Down
DROP INDEX groups_name_key;
ALTER TABLE groups DROP COLUMN name_key;
