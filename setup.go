package roster

import (
	"context"
	"slices"
	"time"
)

// What a setup link lets its holder do: connect provisioning (the Tenant
// URL, tokens, Test Connection), connect sign-in, read the provisioning log,
// release or revert the deactivations and deletes the tenant's
// deprovisioning guard holds.
const (
	SetupScopeSCIM = "scim"
	SetupScopeSSO  = "sso"
	SetupScopeLog  = "log"
	SetupScopeHeld = "held"
)

// SetupScopes are every scope a setup link may have, in the order pages show them.
var SetupScopes = []string{SetupScopeSCIM, SetupScopeSSO, SetupScopeLog, SetupScopeHeld}

// DefaultSetupScopes are the scopes of a link made without naming any:
// connecting the IdP and reading the log. Deciding on held operations
// changes users, so a link allows it only when its maker asks.
var DefaultSetupScopes = []string{SetupScopeSCIM, SetupScopeSSO, SetupScopeLog}

// SetupLink is a link the SaaS team sends a customer's IT admin, who has no
// account of Roster's, to connect the customer's IdP alone. It is redeemed
// once: redeeming starts the one session the link ever has, scoped to its
// tenant and scopes. Only the SHA-256 of the link's secret and of its
// session's secret are stored.
type SetupLink struct {
	ID       string
	TenantID string
	Scopes   []string
	Prefix   string // the secret's first characters, for lists
	Hash     []byte // SHA-256 of the link's secret
	// CreatedBy is the actor who made the link, as the audit trail names it.
	CreatedBy string
	Created   time.Time
	Expires   time.Time
	// Redeemed is when the link was redeemed (zero: not yet), RedeemedFrom
	// the client address that redeemed it.
	Redeemed     time.Time
	RedeemedFrom string
	Revoked      time.Time // zero: live
	// SessionSeen is when the link's session was last used (zero: never).
	SessionSeen time.Time
}

// Allows reports whether the link has scope.
func (l *SetupLink) Allows(scope string) bool { return slices.Contains(l.Scopes, scope) }

// SetupLinkStore keeps setup links and their sessions.
type SetupLinkStore interface {
	// CreateSetupLink stores l, filling ID (when empty) and Created.
	CreateSetupLink(ctx context.Context, l *SetupLink) error
	// SetupLink finds a link by id. ENOTFOUND.
	SetupLink(ctx context.Context, id string) (*SetupLink, error)
	// SetupLinkByHash finds the link whose secret hashes to hash. ENOTFOUND.
	SetupLinkByHash(ctx context.Context, hash []byte) (*SetupLink, error)
	// SetupLinks lists the tenant's links, newest first.
	SetupLinks(ctx context.Context, tenantID string) ([]*SetupLink, error)
	// RedeemSetupLink redeems the link whose secret hashes to hash, at at,
	// from from, and gives it the session whose secret hashes to session.
	// Exactly one of concurrent redemptions wins. ENOTFOUND when no link has
	// the hash; otherwise a link that is redeemed already, revoked or expired
	// is returned with ECONFLICT, so that the caller can say which.
	RedeemSetupLink(ctx context.Context, hash, session []byte, at time.Time, from string) (*SetupLink, error)
	// SetupLinkBySession finds the link whose session's secret hashes to
	// session. ENOTFOUND.
	SetupLinkBySession(ctx context.Context, session []byte) (*SetupLink, error)
	// TouchSetupSession records that the link's session was used at at.
	TouchSetupSession(ctx context.Context, id string, at time.Time) error
	// RevokeSetupLink revokes the link at at, ending its session; revoking
	// it again keeps the first time. ENOTFOUND.
	RevokeSetupLink(ctx context.Context, id string, at time.Time) error
}
