package roster

import (
	"context"
	"encoding/json"
	"time"
)

// Entitlements are a user's state in the host app, as the tenant's policy
// derives it from the attributes the IdP sent (package policy). They are
// recomputed on every write of the user and stored beside its document; they
// never change the document, so the IdP reads back exactly what it wrote.
type Entitlements struct {
	// Active is the user's effective state in the app: SCIM active, and, when
	// the policy maps a role to "active", holding that role.
	Active bool `json:"active"`
	// Licenses are the licenses the user's roles grant, in policy order.
	Licenses []string `json:"licenses,omitempty"`
	// AccessRole is the web-portal access role the user's roles grant (the
	// highest in policy order); empty means app sign-in only.
	AccessRole string `json:"accessRole,omitempty"`
	// Roles are the user's role values that no policy rule maps: kept for
	// access control inside the app.
	Roles []string `json:"roles,omitempty"`
}

// Policy is a tenant's provisioning policy as stored: a JSON document (its
// form and meaning belong to package policy) and its version.
type Policy struct {
	// Version counts the policies set for the tenant: 1 for the first; 0 when
	// none was ever set (Doc is then empty).
	Version int64
	Doc     json.RawMessage
	Updated time.Time
	// SetBy is who set it, as the audit trail names actors ("cli:ada@host");
	// "" for a policy set before Roster recorded it.
	SetBy string
}

// PolicyVersionQuery selects a page of a tenant's policy versions, newest first.
type PolicyVersionQuery struct {
	// Before is a version: only those older are returned; 0 for the newest.
	Before int64
	// Limit is the most versions returned; it must be above 0.
	Limit int
}

// Folder is one of the host app's folders, to which a policy lets the IdP
// assign users by id or by external id.
type Folder struct {
	ID         string
	ExternalID string
	Name       string
	Created    time.Time
}

// PolicyStore keeps each tenant's policy and folders.
type PolicyStore interface {
	// Policy returns the tenant's current policy (Version 0 when none is set).
	// ENOTFOUND when there is no such tenant.
	Policy(ctx context.Context, tenantID string) (*Policy, error)
	// SetPolicy stores doc as the tenant's policy, set by setBy, and returns its
	// version; every version before it is kept. When ifVersion is not 0 and the
	// current version differs, EPRECONDITION and nothing changes. The caller
	// has validated doc.
	SetPolicy(ctx context.Context, tenantID string, doc json.RawMessage, ifVersion int64, setBy string) (int64, error)
	// PolicyVersions returns the tenant's policies as they were set, newest
	// first, as q selects them; none for a tenant that never had one.
	PolicyVersions(ctx context.Context, tenantID string, q PolicyVersionQuery) ([]*Policy, error)
	// PolicyVersion returns the tenant's policy of version. ENOTFOUND when the
	// tenant has no such version (or there is no such tenant).
	PolicyVersion(ctx context.Context, tenantID string, version int64) (*Policy, error)
	// ConfigVersion returns a number that grows whenever the tenant's policy,
	// folders or settings change, or it is disabled or enabled: a server
	// compares it to decide whether what it cached is stale.
	ConfigVersion(ctx context.Context, tenantID string) (int64, error)

	// CreateFolder stores f, filling ID when empty and Created. ECONFLICT when
	// the id, or the external id (compared case-insensitively), is taken.
	CreateFolder(ctx context.Context, tenantID string, f *Folder) error
	// UpdateFolder replaces the external id and name of folder f.ID.
	// ENOTFOUND, ECONFLICT as above.
	UpdateFolder(ctx context.Context, tenantID string, f *Folder) error
	// DeleteFolder removes a folder. ENOTFOUND when there is none.
	DeleteFolder(ctx context.Context, tenantID, id string) error
	// Folders lists the tenant's folders ordered by name, then id.
	Folders(ctx context.Context, tenantID string) ([]*Folder, error)
}

// Recompute is the recomputation of a tenant's users' entitlements under a
// new policy: setting a policy starts one (replacing any earlier one), and a
// server claims it and walks the tenant's live users in batches, in id order.
type Recompute struct {
	TenantID string
	// Version is the policy version whose entitlements are computed.
	Version int64
	// Total is how many live users the tenant had when the policy was set;
	// Done how many were recomputed; Changed how many had their entitlements changed.
	Total, Done, Changed int64
	// After is the id of the last user done: the next batch starts after it.
	After    string
	Started  time.Time
	Finished time.Time // zero while it runs
	// Owner is the server that holds it, until its lease ends.
	Owner string
}

// RecomputeStore keeps each tenant's recomputation (see Recompute).
type RecomputeStore interface {
	// Recompute returns the tenant's latest recomputation. ENOTFOUND when no
	// policy was set since Roster keeps them.
	Recompute(ctx context.Context, tenantID string) (*Recompute, error)
	// ClaimRecompute gives owner an unfinished recomputation that nobody
	// holds (or whose lease ended before now), leased until until.
	// ENOTFOUND when there is none to take.
	ClaimRecompute(ctx context.Context, owner string, now, until time.Time) (*Recompute, error)
	// RecomputeBatch recomputes, in one transaction, the entitlements of the
	// up to n live users after r.After with entitle, storing those that
	// changed with a user.updated event (and ending the sessions of a user
	// they deactivate), advances r (finished when fewer than n users were
	// left) and renews the lease until until. EPRECONDITION, and nothing
	// changes, when r's owner no longer holds it or a newer policy replaced it.
	RecomputeBatch(ctx context.Context, r *Recompute, n int, entitle func(doc map[string]any) Entitlements, until time.Time) error
}
