-- +goose Up
-- Login methods and built-in passwords: how each user may sign in (through
-- the tenant's IdP, with a password kept by Roster, or either), and the
-- argon2id hash of the password of those who have one. A deleted user's
-- password goes with it.
ALTER TABLE users ADD COLUMN login_method text NOT NULL DEFAULT 'idp'
    CHECK (login_method IN ('idp', 'password', 'either'));

CREATE TABLE user_passwords (
    tenant_id text NOT NULL,
    user_id   text NOT NULL,
    hash      text NOT NULL,
    updated   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE user_passwords;
ALTER TABLE users DROP COLUMN login_method;
