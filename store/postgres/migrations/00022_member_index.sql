-- +goose Up
-- A member's rows are found by (tenant_id, member_id, member_type): leaving
-- every group on a delete, keeping a user's groups for a restore, and a
-- user's groups on every read. With member_type in the index the whole
-- condition is the index's, as in the SQLite store, instead of a filter on
-- the rows the index returns.
DROP INDEX group_members_member;
CREATE INDEX group_members_member ON group_members (tenant_id, member_id, member_type);

-- +goose Down
DROP INDEX group_members_member;
CREATE INDEX group_members_member ON group_members (tenant_id, member_id);
