package roster

import (
	"context"
	"encoding/json"
	"time"
)

// Event types. Every SCIM write appends one event in the transaction of the change.
const (
	UserCreated     = "user.created"
	UserUpdated     = "user.updated"
	UserDeactivated = "user.deactivated"
	UserReactivated = "user.reactivated"
	UserDeleted     = "user.deleted"
	UserRestored    = "user.restored"
	// UserAdopted says the IdP's first write reached a user the host
	// application created: from then on the IdP manages it.
	UserAdopted         = "user.adopted"
	GroupCreated        = "group.created"
	GroupUpdated        = "group.updated"
	GroupDeleted        = "group.deleted"
	GroupRestored       = "group.restored"
	GroupMembersAdded   = "group.members_added"
	GroupMembersRemoved = "group.members_removed"
	// ProvisioningHeld says the tenant's DeprovisionGuard started holding
	// deactivations and deletes; its resource is the tenant, with the counts.
	ProvisioningHeld = "provisioning.held"
)

// EventTypes lists every event type, in the order of a resource's life.
var EventTypes = []string{
	UserCreated, UserAdopted, UserUpdated, UserDeactivated, UserReactivated, UserDeleted, UserRestored,
	GroupCreated, GroupUpdated, GroupDeleted, GroupRestored, GroupMembersAdded, GroupMembersRemoved,
	ProvisioningHeld,
}

// Event is one change, as stored in the outbox.
type Event struct {
	// Seq orders all events of a store; it only grows.
	Seq          int64
	ID           string
	TenantID     string
	Type         string
	ResourceType string // "User", "Group", or "Tenant" (provisioning.held)
	ResourceID   string
	// Payload is a JSON object: the resource after the change ("resource"), for
	// updates the previous values of changed attributes ("previous"), and for
	// membership events the member ids of the batch ("members").
	Payload json.RawMessage
	Time    time.Time
}

// EventQuery selects events of the outbox.
type EventQuery struct {
	TenantID string   // "": every tenant
	After    int64    // only events with a greater Seq
	Before   int64    // only events with a smaller Seq (paging newest first); 0: none
	Types    []string // only these types; empty: all
	Limit    int      // at most this many; 0 or less: none
	// Newest orders the events newest first instead of oldest first: the
	// recent events a page at a time, each page Before the last one's Seq.
	Newest bool
}

// EventStore reads and prunes the outbox. Events become visible in Seq order:
// once a reader sees the event with Seq n, it sees every event below n.
type EventStore interface {
	// Events returns the events q selects, oldest first (newest first with
	// q.Newest).
	Events(ctx context.Context, q EventQuery) ([]*Event, error)
	// LastEventSeq returns the Seq of the newest event, or 0.
	LastEventSeq(ctx context.Context) (int64, error)
	// PruneEvents deletes the events older than before and returns how many.
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
	// PrunedThrough returns the greatest Seq ever pruned, or 0: a reader whose
	// cursor is below it has missed events.
	PrunedThrough(ctx context.Context) (int64, error)
}

// Store is everything a Roster server needs of its database.
type Store interface {
	TenantStore
	TenantPager
	UserPager
	GroupPager
	SessionLister
	TenantStatsReader
	TokenStore
	AccessTokenStore
	UserStore
	DriftReader
	GuardStore
	GroupStore
	EventStore
	APIKeyStore
	APIKeyPager
	WebhookStore
	LogStore
	PolicyStore
	RecomputeStore
	OAuthClientStore
	OAuthClientPager
	SSOStore
	SignInStore
	AuditStore
	OperatorStore
	OperatorSessionStore
	SetupLinkStore
	SettingStore
	Close() error
}
