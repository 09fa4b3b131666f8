-- +goose Up
-- A tenant's figures (the console's list of tenants: requests and failures
-- over a day, the latest request, the latest that succeeded) are read from
-- this index alone, rather than from the log's rows.
CREATE INDEX provisioning_log_tenant_at ON provisioning_log (tenant_id, at) INCLUDE (status);
-- Test Connections are rare: a tenant's latest is one step of this index.
CREATE INDEX provisioning_log_tested ON provisioning_log (tenant_id, at) WHERE action = 'test-connection';

-- +goose Down
DROP INDEX provisioning_log_tested;
DROP INDEX provisioning_log_tenant_at;
