-- +goose Up
-- The console's sessions. The id is the SHA-256 of the secret the browser
-- holds; the secret itself is never stored. A removed operator's sessions go
-- with it.
CREATE TABLE operator_sessions (
    id          text PRIMARY KEY,
    operator_id text NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created     timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    source      text NOT NULL DEFAULT ''
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- +goose Down
DROP TABLE operator_sessions;
