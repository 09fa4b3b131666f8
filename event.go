package roster

import (
	"context"
	"encoding/json"
	"time"
)

// Event types. Every SCIM write appends one event in the transaction of the change.
const (
	UserCreated         = "user.created"
	UserUpdated         = "user.updated"
	UserDeactivated     = "user.deactivated"
	UserReactivated     = "user.reactivated"
	UserDeleted         = "user.deleted"
	GroupCreated        = "group.created"
	GroupUpdated        = "group.updated"
	GroupDeleted        = "group.deleted"
	GroupMembersAdded   = "group.members_added"
	GroupMembersRemoved = "group.members_removed"
)

// Event is one change, as stored in the outbox.
type Event struct {
	// Seq orders all events of a store; it only grows.
	Seq          int64
	ID           string
	TenantID     string
	Type         string
	ResourceType string // "User" or "Group"
	ResourceID   string
	// Payload is a JSON object: the resource after the change ("resource"), for
	// updates the previous values of changed attributes ("previous"), and for
	// membership events the member ids of the batch ("members").
	Payload json.RawMessage
	Time    time.Time
}

// EventStore reads the outbox.
type EventStore interface {
	// Events returns up to limit events of the tenant ("" for all tenants) with
	// Seq greater than after, oldest first.
	Events(ctx context.Context, tenantID string, after int64, limit int) ([]*Event, error)
}

// Store is everything a Roster server needs of its database.
type Store interface {
	TenantStore
	TokenStore
	UserStore
	GroupStore
	EventStore
	Close() error
}
