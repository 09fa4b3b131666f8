package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster"
)

// settingPublicURL is the server_settings row of the public URL.
const settingPublicURL = "public_url"

// SetPublicURL records the URL IdPs reach Roster at, replacing any.
func (db *DB) SetPublicURL(ctx context.Context, url string) error {
	_, err := db.exec(ctx, `
		INSERT INTO server_settings (name, value, updated) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated = excluded.updated`,
		settingPublicURL, url, formatTime(db.stamp()))
	if err != nil {
		return fmt.Errorf("sqlite: set public URL: %w", err)
	}
	return nil
}

// PublicURL returns the URL SetPublicURL recorded last. ENOTFOUND when none was.
func (db *DB) PublicURL(ctx context.Context) (string, error) {
	var url string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM server_settings WHERE name = ?`, settingPublicURL).Scan(&url)
	if errors.Is(err, sql.ErrNoRows) {
		return "", roster.Errorf(roster.ENOTFOUND, "no server has recorded its public URL")
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: public URL: %w", err)
	}
	return url, nil
}
