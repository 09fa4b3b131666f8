-- +goose Up
-- Roster's own accounts, for the people who run it. The email is unique in
-- any case (it is checked to be ASCII, so lower() folds all of it); the
-- password is kept only as its argon2id hash.
CREATE TABLE operators (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    password_hash TEXT NOT NULL,
    created       TEXT NOT NULL,
    last_sign_in  TEXT
);
CREATE UNIQUE INDEX operators_email ON operators (lower(email));

-- +goose Down
DROP TABLE operators;
