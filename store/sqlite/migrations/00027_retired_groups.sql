-- +goose Up
-- Every DELETE of a group keeps it restorable (roster group restore): its row
-- moves out of groups into retired_groups, so that SCIM, lists, filters, the
-- displayName index (groups_name_key) and tenant_counts no longer see it.
-- kept holds the memberships the delete took, as {"member_users": [...],
-- "member_groups": [...], "groups": [ids of the groups it was a member of]}.
CREATE TABLE retired_groups (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    display_name TEXT NOT NULL COLLATE NOCASE,
    external_id  TEXT,
    name_key     TEXT,
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    version      INTEGER NOT NULL,
    created      TEXT NOT NULL,
    modified     TEXT NOT NULL,
    retired      TEXT NOT NULL,
    kept         TEXT NOT NULL CHECK (json_valid(kept)),
    PRIMARY KEY (tenant_id, id)
);
-- The purger finds the groups deleted before a time through this index.
CREATE INDEX retired_groups_retired ON retired_groups (retired);

-- +goose Down
DROP TABLE retired_groups;
