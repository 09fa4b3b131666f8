-- +goose Up
-- A chunk carries a summary of its entries, so that a tenant's figures (the
-- console's list of tenants: requests and failures over a day, the last
-- request that succeeded, the last Test Connection) are read from an index,
-- never by decoding chunks: failures (status 400 or more), throttled (429),
-- ok_at (the latest entry with a status below 400) and tested_at (the latest
-- Test Connection). Chunks written before hold NULL: their entries count in
-- a tenant's last request, not in its figures.
ALTER TABLE log_chunks ADD COLUMN failures INTEGER;
ALTER TABLE log_chunks ADD COLUMN throttled INTEGER;
ALTER TABLE log_chunks ADD COLUMN ok_at TEXT;
ALTER TABLE log_chunks ADD COLUMN tested_at TEXT;
-- The figures are summed from this index alone: the columns above follow
-- the chunk's data in its row, which reading would mean reading the chunk.
-- It costs the writer about 0.3 µs of CPU per entry (7.8 against 8.1 in
-- BenchmarkProvisioningLogWriter): one more B-tree, at the tenant's end.
CREATE INDEX log_chunks_summary ON log_chunks (tenant_id, last_at, n, failures, throttled, ok_at);
-- Test Connections are rare: a tenant's latest is one step of this index.
CREATE INDEX log_chunks_tested ON log_chunks (tenant_id, tested_at) WHERE tested_at IS NOT NULL;

-- +goose Down
DROP INDEX log_chunks_tested;
DROP INDEX log_chunks_summary;
ALTER TABLE log_chunks DROP COLUMN tested_at;
ALTER TABLE log_chunks DROP COLUMN ok_at;
ALTER TABLE log_chunks DROP COLUMN throttled;
ALTER TABLE log_chunks DROP COLUMN failures;
