-- +goose Up
-- A chunk's keys reach log_keys in batches, not as the chunk is written: keys
-- are random (ids, names), so each inserted on its own dirties a page of the
-- index of its own in every write; merged every few seconds, a page of the
-- index is written once for all the keys it gained meanwhile. Until merged,
-- a chunk is found by its keys column. log_index.through is the newest chunk
-- whose keys are in log_keys.
CREATE TABLE log_index (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    through INTEGER NOT NULL
);
INSERT INTO log_index (id, through) SELECT 1, coalesce(max(id), 0) FROM log_chunks;

-- +goose Down
DROP TABLE log_index;
