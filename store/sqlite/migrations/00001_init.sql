-- +goose Up
-- Every table is keyed by tenant_id first. Times are TEXT in the fixed-width UTC
-- form 2006-01-02T15:04:05.000000000Z, so lexical order is time order.

CREATE TABLE tenants (
    id       TEXT NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    created  TEXT NOT NULL
);

CREATE TABLE tokens (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        TEXT NOT NULL UNIQUE,
    prefix    TEXT NOT NULL,
    hash      BLOB NOT NULL,
    name      TEXT NOT NULL DEFAULT '',
    created   TEXT NOT NULL,
    expires   TEXT,
    last_used TEXT,
    revoked   TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX tokens_prefix ON tokens (prefix);

CREATE TABLE users (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    user_name    TEXT NOT NULL COLLATE NOCASE,
    external_id  TEXT,
    display_name TEXT COLLATE NOCASE,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    doc          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(doc)),
    version      INTEGER NOT NULL,
    created      TEXT NOT NULL,
    modified     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, user_name)
);
CREATE INDEX users_external_id ON users (tenant_id, external_id);
CREATE INDEX users_display_name ON users (tenant_id, display_name);
CREATE INDEX users_active ON users (tenant_id, active);
CREATE INDEX users_created ON users (tenant_id, created, id);

CREATE TABLE user_emails (
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    value      TEXT NOT NULL COLLATE NOCASE,
    type       TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_emails_value ON user_emails (tenant_id, value);
CREATE INDEX user_emails_user ON user_emails (tenant_id, user_id);

CREATE TABLE groups (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    display_name TEXT NOT NULL COLLATE NOCASE,
    external_id  TEXT,
    doc          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(doc)),
    version      INTEGER NOT NULL,
    created      TEXT NOT NULL,
    modified     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX groups_display_name ON groups (tenant_id, display_name);
CREATE INDEX groups_external_id ON groups (tenant_id, external_id);
CREATE INDEX groups_created ON groups (tenant_id, created, id);

-- A member is a user or a group of the same tenant; the store checks that on
-- every write and removes the rows when the member is deleted.
CREATE TABLE group_members (
    tenant_id   TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL CHECK (member_type IN ('User', 'Group')),
    PRIMARY KEY (tenant_id, group_id, member_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_members_member ON group_members (tenant_id, member_id);

-- The outbox: seq orders every event of the store and never goes back.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    tenant_id     TEXT NOT NULL,
    type          TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    payload       TEXT NOT NULL CHECK (json_valid(payload)),
    created       TEXT NOT NULL
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
