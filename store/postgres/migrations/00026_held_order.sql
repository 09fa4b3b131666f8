-- +goose Up
-- A tenant's held operations are read a page at a time in the order they
-- were held (seq): this index starts the page where the previous one ended
-- and reads no more than a page, however many operations are held.
CREATE INDEX removals_held_seq ON removals (tenant_id, seq) WHERE held;

-- +goose Down
DROP INDEX removals_held_seq;
