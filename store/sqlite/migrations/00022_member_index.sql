-- +goose Up
-- A member's rows are found by (tenant_id, member_id, member_type): leaving
-- every group on a delete, keeping a user's groups for a restore, and a
-- user's groups on every read. Without member_type in the index SQLite
-- preferred the primary key's tenant_id prefix and walked every membership
-- of the tenant, so deleting a user cost O(size of its tenant's groups);
-- with it the lookup is a search of the index alone (group_id is in every
-- entry, as part of the primary key).
DROP INDEX group_members_member;
CREATE INDEX group_members_member ON group_members (tenant_id, member_id, member_type);

-- +goose Down
DROP INDEX group_members_member;
CREATE INDEX group_members_member ON group_members (tenant_id, member_id);
