-- +goose Up
-- Every table is keyed by tenant_id first, so that the schema can be distributed
-- by tenant (Citus-style) when one server is not enough. Case-insensitive
-- attributes (userName, displayName, email values) are indexed by lower(), which
-- is how the filter compiler writes their comparisons.

CREATE TABLE tenants (
    id       text PRIMARY KEY,
    name     text NOT NULL UNIQUE,
    settings jsonb NOT NULL DEFAULT '{}',
    created  timestamptz NOT NULL
);

CREATE TABLE tokens (
    tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        text NOT NULL UNIQUE,
    prefix    text NOT NULL,
    hash      bytea NOT NULL,
    name      text NOT NULL DEFAULT '',
    created   timestamptz NOT NULL,
    expires   timestamptz,
    last_used timestamptz,
    revoked   timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX tokens_prefix ON tokens (prefix);

CREATE TABLE users (
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           text NOT NULL,
    user_name    text NOT NULL,
    external_id  text,
    display_name text,
    active       boolean NOT NULL DEFAULT true,
    doc          jsonb NOT NULL DEFAULT '{}',
    version      bigint NOT NULL,
    created      timestamptz NOT NULL,
    modified     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX users_user_name ON users (tenant_id, lower(user_name));
CREATE INDEX users_external_id ON users (tenant_id, external_id);
CREATE INDEX users_display_name ON users (tenant_id, lower(display_name));
CREATE INDEX users_active ON users (tenant_id, active);
CREATE INDEX users_created ON users (tenant_id, created, id);

CREATE TABLE user_emails (
    tenant_id  text NOT NULL,
    user_id    text NOT NULL,
    ord        integer NOT NULL,
    value      text NOT NULL,
    type       text,
    is_primary boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, user_id, ord),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_emails_value ON user_emails (tenant_id, lower(value));

CREATE TABLE groups (
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           text NOT NULL,
    display_name text NOT NULL,
    external_id  text,
    doc          jsonb NOT NULL DEFAULT '{}',
    version      bigint NOT NULL,
    created      timestamptz NOT NULL,
    modified     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX groups_display_name ON groups (tenant_id, lower(display_name));
CREATE INDEX groups_external_id ON groups (tenant_id, external_id);
CREATE INDEX groups_created ON groups (tenant_id, created, id);

-- A member is a user or a group of the same tenant; the store checks that on
-- every write (holding a key-share lock on the member) and removes the rows when
-- the member is deleted.
CREATE TABLE group_members (
    tenant_id   text NOT NULL,
    group_id    text NOT NULL,
    member_id   text NOT NULL,
    member_type text NOT NULL CHECK (member_type IN ('User', 'Group')),
    PRIMARY KEY (tenant_id, group_id, member_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_member ON group_members (tenant_id, member_id);

-- The outbox. seq is taken under a transaction-level advisory lock held until
-- commit, so seq order is commit order and a reader that has seen seq n has
-- seen every event below it.
CREATE TABLE events (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            text NOT NULL UNIQUE,
    tenant_id     text NOT NULL,
    type          text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    payload       jsonb NOT NULL,
    created       timestamptz NOT NULL
);
CREATE INDEX events_tenant ON events (tenant_id, seq);

-- +goose Down
DROP TABLE events;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE user_emails;
DROP TABLE users;
DROP TABLE tokens;
DROP TABLE tenants;
