-- +goose Up
-- The provisioning log lives in a file of its own beside the database
-- (roster.db -> roster-log.db): a row per SCIM request, reads included, would
-- otherwise queue behind (and delay) every SCIM write for SQLite's one write
-- lock. tenant_id is '' when no tenant could be found for the request.

CREATE TABLE provisioning_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     TEXT NOT NULL,
    at            TEXT NOT NULL,
    latency_us    INTEGER NOT NULL,
    request_id    TEXT NOT NULL,
    method        TEXT NOT NULL,
    route         TEXT NOT NULL,
    query         TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL DEFAULT '',
    resource_id   TEXT NOT NULL DEFAULT '',
    external_id   TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    status        INTEGER NOT NULL,
    scim_type     TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    token_prefix  TEXT NOT NULL DEFAULT '',
    token_name    TEXT NOT NULL DEFAULT '',
    changes       TEXT,
    request       TEXT NOT NULL DEFAULT '',
    response      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX provisioning_log_tenant ON provisioning_log (tenant_id, id);
CREATE INDEX provisioning_log_resource ON provisioning_log (tenant_id, resource_id, id);
CREATE INDEX provisioning_log_external ON provisioning_log (tenant_id, external_id, id);
CREATE INDEX provisioning_log_name ON provisioning_log (tenant_id, name, id);
CREATE INDEX provisioning_log_request ON provisioning_log (request_id);
CREATE INDEX provisioning_log_at ON provisioning_log (at);

CREATE TABLE maintenance_runs (
    name   TEXT NOT NULL PRIMARY KEY,
    at     TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE maintenance_runs;
DROP TABLE provisioning_log;
