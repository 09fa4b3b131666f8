package roster

import "context"

// SettingStore keeps the settings of a Roster installation as a whole, which
// every server and command on its database share.
type SettingStore interface {
	// SetPublicURL records the URL IdPs reach Roster at, replacing any.
	SetPublicURL(ctx context.Context, url string) error
	// PublicURL returns the URL SetPublicURL recorded last. ENOTFOUND when
	// none was.
	PublicURL(ctx context.Context) (string, error)
}
