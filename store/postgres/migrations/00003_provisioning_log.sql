-- +goose Up
-- The provisioning log: one row per SCIM request. tenant_id is '' when no
-- tenant could be found for the request (an unknown token).

CREATE TABLE provisioning_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     text NOT NULL,
    at            timestamptz NOT NULL,
    latency_us    bigint NOT NULL,
    request_id    text NOT NULL,
    method        text NOT NULL,
    route         text NOT NULL,
    query         text NOT NULL DEFAULT '',
    action        text NOT NULL,
    resource_type text NOT NULL DEFAULT '',
    resource_id   text NOT NULL DEFAULT '',
    external_id   text NOT NULL DEFAULT '',
    name          text NOT NULL DEFAULT '',
    status        integer NOT NULL,
    scim_type     text NOT NULL DEFAULT '',
    reason        text NOT NULL DEFAULT '',
    token_prefix  text NOT NULL DEFAULT '',
    token_name    text NOT NULL DEFAULT '',
    changes       jsonb,
    request       text NOT NULL DEFAULT '',
    response      text NOT NULL DEFAULT ''
);
CREATE INDEX provisioning_log_tenant ON provisioning_log (tenant_id, id);
CREATE INDEX provisioning_log_resource ON provisioning_log (tenant_id, resource_id, id);
CREATE INDEX provisioning_log_external ON provisioning_log (tenant_id, external_id, id);
CREATE INDEX provisioning_log_name ON provisioning_log (tenant_id, lower(name), id);
CREATE INDEX provisioning_log_request ON provisioning_log (request_id);
CREATE INDEX provisioning_log_at ON provisioning_log (at);

CREATE TABLE maintenance_runs (
    name   text PRIMARY KEY,
    at     timestamptz NOT NULL,
    detail text NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE maintenance_runs;
DROP TABLE provisioning_log;
