-- +goose Up
-- Every DELETE keeps the user restorable (roster user restore): kept holds
-- what the removal took from it: whether it was active in the app, its group
-- ids and its unique values, as {"app_active": true, "groups": [...],
-- "unique": [{"attr": ..., "value": ...}]}. NULL for a live
-- user and for users retired before.
ALTER TABLE users ADD COLUMN kept TEXT;
-- The purger finds users retired before a time through this index.
CREATE INDEX users_retired ON users (retired) WHERE retired IS NOT NULL;

-- +goose Down
DROP INDEX users_retired;
ALTER TABLE users DROP COLUMN kept;
