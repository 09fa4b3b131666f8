package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// settingPublicURL is the server_settings row of the public URL.
const settingPublicURL = "public_url"

// SetPublicURL records the URL IdPs reach Roster at, replacing any.
func (db *DB) SetPublicURL(ctx context.Context, url string) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO server_settings (name, value, updated) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated = excluded.updated`,
		settingPublicURL, text(url), db.stamp())
	return wrap("set public URL", err)
}

// PublicURL returns the URL SetPublicURL recorded last. ENOTFOUND when none was.
func (db *DB) PublicURL(ctx context.Context) (string, error) {
	var url string
	err := db.pool.QueryRow(ctx, `SELECT value FROM server_settings WHERE name = $1`, settingPublicURL).Scan(&url)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", roster.Errorf(roster.ENOTFOUND, "no server has recorded its public URL")
	}
	if err != nil {
		return "", wrap("public URL", err)
	}
	return url, nil
}
