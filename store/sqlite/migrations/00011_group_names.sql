-- +goose Up
-- A group holds its displayName in its tenant, in any case, when the tenant's
-- policy asks it to (groups.uniqueDisplayName, on by default): Entra ID
-- matches groups by displayName. name_key is the name in lower case, or NULL
-- for a group that holds none; the unique index is what refuses a second
-- holder, also to concurrent writes.
ALTER TABLE groups ADD COLUMN name_key TEXT;

-- Groups that already share a name keep it: the oldest of each (created, then
-- id) holds it, the others hold none until renamed. The comparison is the
-- display_name column's (COLLATE NOCASE), as lower() folds: ASCII letters.
UPDATE groups SET name_key = lower(display_name)
WHERE NOT EXISTS (
    SELECT 1 FROM groups o
    WHERE o.tenant_id = groups.tenant_id AND o.display_name = groups.display_name
      AND (o.created < groups.created OR (o.created = groups.created AND o.id < groups.id)));

CREATE UNIQUE INDEX groups_name_key ON groups (tenant_id, name_key);

-- +goose Down
DROP INDEX groups_name_key;
ALTER TABLE groups DROP COLUMN name_key;
