-- +goose Up
-- Every DELETE of a group keeps it restorable (roster group restore): its row
-- moves out of groups into retired_groups, so that SCIM, lists, filters, the
-- displayName index (groups_name_key) and tenant_counts no longer see it.
-- kept holds the memberships the delete took, as {"member_users": [...],
-- "member_groups": [...], "groups": [ids of the groups it was a member of]}.
CREATE TABLE retired_groups (
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           text NOT NULL,
    display_name text NOT NULL,
    external_id  text,
    name_key     text,
    doc          jsonb NOT NULL,
    version      bigint NOT NULL,
    created      timestamptz NOT NULL,
    modified     timestamptz NOT NULL,
    retired      timestamptz NOT NULL,
    kept         jsonb NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- The purger finds the groups deleted before a time through this index.
CREATE INDEX retired_groups_retired ON retired_groups (retired);

-- +goose Down
DROP TABLE retired_groups;
