// Package roster holds the vocabulary shared by every part of Roster: tenants,
// users, groups, tokens, events, the error codes, and the small store interfaces
// that the servers consume and the stores implement.
//
// It holds no SQL, no HTTP and no goroutines.
package roster

import (
	"context"
	"math"
	"strings"
	"time"
)

// Tenant is one customer of the host app: one IdP connection, its own users,
// groups, tokens and settings. Every stored row is keyed by the tenant's id.
type Tenant struct {
	ID string
	// Name is the tenant's handle in URLs and commands, unique. New tenants'
	// names are URL-safe slugs; older ones keep the names they were given.
	Name string
	// DisplayName is free text for people ("" when unset).
	DisplayName string
	Settings    TenantSettings
	// Disabled is set by the operator: the tenant's SCIM requests and
	// sign-ins are refused until it is enabled again; nothing is deleted.
	Disabled bool
	// Organization is the host app's own id for the customer ("" when unset):
	// an authorization request may name the tenant by it. Unique.
	Organization string
	Created      time.Time
}

// TenantSettings are what an operator may adjust per tenant. They are stored
// with the tenant as one JSON object; the zero value takes every default.
type TenantSettings struct {
	// RateLimit bounds the tenant's SCIM requests.
	RateLimit RateLimit `json:"rate_limit,omitzero"`
	// Directory is the directory that provisions the tenant: where
	// directories send opposite things, it picks how Roster reads them
	// (docs/directories.md). "" when none was chosen.
	Directory Directory `json:"directory,omitempty"`
}

// Directory names the directory (the IdP) that provisions a tenant.
type Directory string

// The directories a tenant may choose; "" is none chosen.
const (
	DirectoryEntra     Directory = "entra"
	DirectoryOkta      Directory = "okta"
	DirectoryOneLogin  Directory = "onelogin"
	DirectoryJumpCloud Directory = "jumpcloud"
	DirectoryOther     Directory = "other"
)

// Directories lists the directories a tenant may choose, in the order
// people are offered them.
var Directories = []Directory{DirectoryEntra, DirectoryOkta, DirectoryOneLogin, DirectoryJumpCloud, DirectoryOther}

// CheckDirectory returns EINVALID, listing the choices, unless d is one of
// Directories or "" (none chosen).
func CheckDirectory(d Directory) error {
	if d == "" {
		return nil
	}
	names := make([]string, len(Directories))
	for i, k := range Directories {
		if d == k {
			return nil
		}
		names[i] = string(k)
	}
	return Errorf(EINVALID, "directory %q: want one of %s, or \"\" for none", d, strings.Join(names, ", "))
}

// RateLimit is a token bucket: Rate requests per second on average, up to Burst
// at once. A zero field takes the server's default.
type RateLimit struct {
	Rate  float64 `json:"rate,omitempty"`
	Burst int     `json:"burst,omitempty"`
}

// Validate returns EINVALID for settings no server could apply.
func (s TenantSettings) Validate() error {
	r := s.RateLimit
	if r.Rate < 0 || math.IsNaN(r.Rate) || math.IsInf(r.Rate, 0) {
		return Errorf(EINVALID, "rate limit %v: want a number of requests per second, 0 for the default", r.Rate)
	}
	if r.Burst < 0 {
		return Errorf(EINVALID, "burst %d: want a number of requests, 0 for the default", r.Burst)
	}
	return CheckDirectory(s.Directory)
}

// TenantStore creates and finds tenants.
type TenantStore interface {
	// CreateTenant stores t, filling ID and Created. ECONFLICT if the name is taken.
	CreateTenant(ctx context.Context, t *Tenant) error
	// Tenant finds a tenant by id or by name. ENOTFOUND if there is none.
	Tenant(ctx context.Context, idOrName string) (*Tenant, error)
	// Tenants lists every tenant ordered by name.
	Tenants(ctx context.Context) ([]*Tenant, error)
	// SetTenantDisplayName replaces the display name of the tenant with the
	// given id. ENOTFOUND when there is no such tenant.
	SetTenantDisplayName(ctx context.Context, id, displayName string) error
	// SetTenantDisabled disables or enables the tenant with the given id and
	// grows its config version (PolicyStore.ConfigVersion), so that servers
	// caching the tenant's config learn of it. ENOTFOUND.
	SetTenantDisabled(ctx context.Context, id string, disabled bool) error
	// DeleteTenant deletes the tenant with the given id and every row keyed by
	// it: users, groups, memberships, tokens, events, its provisioning log,
	// policies, folders, sign-in state, the API keys and webhooks scoped to it.
	// ENOTFOUND when there is no such tenant.
	DeleteTenant(ctx context.Context, id string) error
	// UpdateTenantSettings replaces the settings of the tenant with the given id
	// and grows its config version (PolicyStore.ConfigVersion), so that servers
	// caching the tenant's config read its directory again. EINVALID when they
	// do not validate, ENOTFOUND when there is no such tenant.
	UpdateTenantSettings(ctx context.Context, id string, s TenantSettings) error
}

// HealthChecker is a store that can tell whether it can serve.
type HealthChecker interface {
	// Ping runs a cheap query; an error means the database cannot be reached.
	Ping(ctx context.Context) error
	// Migrated returns an error when the database schema lacks a migration this
	// program carries (or cannot be read).
	Migrated(ctx context.Context) error
}

// PoolStat describes one connection pool of a store at one moment.
type PoolStat struct {
	Name     string        // which pool: "read", "write", "main"
	Max      int           // the most connections it may open
	Open     int           // connections open, in use or idle
	InUse    int           // connections lent out
	Idle     int           // connections open and waiting for work
	Waits    int64         // how many times a caller waited for a connection, since the pool opened
	WaitTime time.Duration // how long callers waited in all, since the pool opened
}

// PoolStater is a store that reports on its connection pools.
type PoolStater interface {
	PoolStats() []PoolStat
}

// Clock tells the time. Stores and servers take one so that tests can fix it.
type Clock func() time.Time

// TenantQuery selects a page of tenants ordered by name.
type TenantQuery struct {
	// Search keeps the tenants whose name or display name holds it, in any
	// case ("" keeps every tenant).
	Search string
	After  string // the name the previous page ended at ("" for the first page)
	Limit  int
}

// TenantPager reads tenants a page at a time, for lists that must not load
// every tenant.
type TenantPager interface {
	// TenantPage returns at most q.Limit tenants of q, ordered by name.
	TenantPage(ctx context.Context, q TenantQuery) ([]*Tenant, error)
}

// MaxBacklog bounds the count of TenantStats.Backlog: past it, a backlog is
// reported as MaxBacklog+1, so that counting it costs a bounded read.
const MaxBacklog = 10000

// TenantStats are figures of one tenant's state and activity, for the
// operator's lists.
type TenantStats struct {
	Users  int64 // live users (a retired user is none)
	Groups int64
	// LastRequest is the time of the tenant's latest SCIM request in the
	// provisioning log, LastSuccess of the latest that succeeded (a status
	// below 400), TestConnection of the latest Test Connection of Entra ID (a
	// lookup of a random userName or displayName that found nothing, action
	// "test-connection"). Zero: none in the log.
	LastRequest    time.Time
	LastSuccess    time.Time
	TestConnection time.Time
	// Requests counts the tenant's SCIM requests since the time asked for,
	// Failures those that failed (a status of 400 or more, 429 included),
	// Throttled those refused for the tenant's rate limit (429).
	Requests, Failures, Throttled int64
	// Tokens counts the tenant's tokens not revoked, expired or not.
	// TokensExpire is when the last of them to expire does, zero when one
	// of them never expires (or there is none).
	Tokens       int
	TokensExpire time.Time
	// Backlog is the most of the tenant's events one webhook that delivers
	// them (the tenant's own, or one for every tenant) has yet to
	// acknowledge, at most MaxBacklog+1; 0 without a webhook.
	Backlog int64
}

// TenantStatsReader reads tenants' figures, for the few tenants a page shows.
type TenantStatsReader interface {
	// TenantStats returns the figures of each tenant of tenantIDs that
	// exists, counting requests since since. A store may count a few requests
	// from shortly before since: the SQLite store sums the log by the batches
	// it was written in.
	TenantStats(ctx context.Context, tenantIDs []string, since time.Time) (map[string]TenantStats, error)
}
