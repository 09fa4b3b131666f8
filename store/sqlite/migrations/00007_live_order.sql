-- +goose Up
-- Pages in creation order (index pages, cursor pages, counts of every user)
-- read only live users. users_created holds retired ones too, so walking it
-- to an OFFSET fetched every table row to test "retired IS NULL". This index
-- holds live users alone and answers the walk by itself: a page at
-- startIndex 99,901 of 100,000 users went from 60 ms to 20 ms.
CREATE INDEX users_created_live ON users (tenant_id, created, id) WHERE retired IS NULL;

-- +goose Down
DROP INDEX users_created_live;
