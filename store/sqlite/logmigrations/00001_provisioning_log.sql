-- +goose Up
-- The provisioning log lives in a file of its own beside the database
-- (roster.db -> roster-log.db): a row per SCIM request, reads included, would
-- otherwise queue behind (and delay) every SCIM write for SQLite's one write
-- lock.
--
-- Entries are stored in chunks: each flush writes one row per tenant holding
-- its entries as JSON lines, oldest first, and one log_keys row per distinct
-- key of the chunk (request id, resource id, externalId, lower-cased name), so
-- that logging a request costs no B-tree of its own beyond its keys. tenant_id
-- is '' for requests no tenant could be found for.

CREATE TABLE log_chunks (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    first_at  TEXT NOT NULL,
    last_at   TEXT NOT NULL,
    n         INTEGER NOT NULL,
    keys      TEXT NOT NULL, -- JSON array of the chunk's log_keys
    data      BLOB NOT NULL  -- the entries as JSON lines
);
CREATE INDEX log_chunks_tenant ON log_chunks (tenant_id, id);
CREATE INDEX log_chunks_at ON log_chunks (last_at);

CREATE TABLE log_keys (
    key      TEXT NOT NULL, -- "q:" request id, "r:" resource id, "x:" externalId, "n:" lower(name)
    chunk_id INTEGER NOT NULL,
    PRIMARY KEY (key, chunk_id)
) WITHOUT ROWID;

CREATE TABLE log_seq (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);
INSERT INTO log_seq (id, last) VALUES (1, 0);

CREATE TABLE maintenance_runs (
    name   TEXT NOT NULL PRIMARY KEY,
    at     TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE maintenance_runs;
DROP TABLE log_seq;
DROP TABLE log_keys;
DROP TABLE log_chunks;
