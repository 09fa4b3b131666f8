-- +goose Up
-- Settings of the installation as a whole, one row each, which every server
-- and command share: public_url, the URL IdPs reach Roster at, which a server
-- records as it starts so that commands print the URLs to register at an IdP.
CREATE TABLE server_settings (
    name    TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    updated TEXT NOT NULL
);

-- +goose Down
DROP TABLE server_settings;
