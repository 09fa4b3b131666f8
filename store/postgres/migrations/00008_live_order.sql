-- +goose Up
-- Pages in creation order read only live users; this index holds them alone,
-- so that walking to an OFFSET and counting need not visit retired rows'
-- heap tuples to test "retired IS NULL".
CREATE INDEX users_created_live ON users (tenant_id, created, id) WHERE retired IS NULL;

-- +goose Down
DROP INDEX users_created_live;
