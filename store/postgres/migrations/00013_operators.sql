-- +goose Up
-- Roster's own accounts, for the people who run it. The email is unique in
-- any case; the password is kept only as its argon2id hash.
CREATE TABLE operators (
    id            text PRIMARY KEY,
    email         text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'viewer')),
    password_hash text NOT NULL,
    created       timestamptz NOT NULL,
    last_sign_in  timestamptz
);
CREATE UNIQUE INDEX operators_email ON operators (lower(email));

-- +goose Down
DROP TABLE operators;
