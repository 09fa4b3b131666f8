-- +goose Up
-- A chunk's entries are stored compressed: JSON lines of one tenant's requests
-- repeat the same keys, schemas and names, and DEFLATE at its fastest level
-- shrinks them about 14 times, so a busy log writes a fraction of the pages.
-- '' is the plain JSON lines chunks written before this.
ALTER TABLE log_chunks ADD COLUMN encoding TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE log_chunks DROP COLUMN encoding;
