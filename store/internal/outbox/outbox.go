// Package outbox builds the events both stores append in the transaction of
// each write: what the change was, the resource after it and, for updates, the
// previous values of what changed.
package outbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
	"github.com/rosterhq/roster/store/internal/row"
)

// Payload is the JSON body of an event (see roster.Event.Payload).
type Payload struct {
	// Resource is the resource after the change: its document with "id".
	Resource map[string]any `json:"resource,omitempty"`
	// Previous holds, for updates, the old values of the top-level attributes that
	// changed (null for an attribute that was absent).
	Previous map[string]any `json:"previous,omitempty"`
	// Members are the member ids a membership event is about.
	Members []string `json:"members,omitempty"`
	// App is, in user events, the user's entitlements after the change: its
	// state in the app under the tenant's policy.
	App *roster.Entitlements `json:"app,omitempty"`
	// Retired marks the user.deleted event of a user kept as deactivated
	// (roster.UserStore.RetireUser) rather than removed.
	Retired bool `json:"retired,omitempty"`
}

// Event is one event about to be appended.
type Event struct {
	Type, ResourceType, ResourceID string
	Payload                        Payload
	// Raw, when set, is the payload's JSON as rendered before (an event the
	// deprovisioning guard held, now released); it is used instead of Payload.
	Raw []byte
}

// Row is an event rendered for its row: a new id and the payload's JSON.
type Row struct {
	ID, Type, ResourceType, ResourceID string
	Payload                            string
}

// Row renders e for its row, with a new id.
func (e Event) Row() (Row, error) {
	b, err := e.Body()
	if err != nil {
		return Row{}, err
	}
	return Row{ID: row.NewID(), Type: e.Type, ResourceType: e.ResourceType, ResourceID: e.ResourceID, Payload: string(b)}, nil
}

// Body renders e's payload: what json.Marshal makes of it, without reflection
// over the documents (it is built inside the write transaction).
func (e Event) Body() ([]byte, error) {
	if e.Raw != nil {
		return e.Raw, nil
	}
	b, err := e.Payload.append(make([]byte, 0, 1024))
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", e.Type, err)
	}
	return b, nil
}

// append appends p's JSON, its fields in their declared order.
func (p *Payload) append(b []byte) ([]byte, error) {
	b = append(b, '{')
	field := func(name string) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, name...)
	}
	var err error
	if len(p.Resource) > 0 {
		field(`"resource":`)
		if b, err = jsonenc.AppendValue(b, p.Resource); err != nil {
			return nil, err
		}
	}
	if len(p.Previous) > 0 {
		field(`"previous":`)
		if b, err = jsonenc.AppendValue(b, p.Previous); err != nil {
			return nil, err
		}
	}
	if len(p.Members) > 0 {
		field(`"members":`)
		b, _ = jsonenc.AppendValue(b, p.Members) // a []string always encodes
	}
	if p.App != nil {
		field(`"app":`)
		app, err := json.Marshal(p.App)
		if err != nil {
			return nil, err
		}
		b = append(b, app...)
	}
	if p.Retired {
		field(`"retired":true`)
	}
	return append(b, '}'), nil
}

// Resource returns a copy of doc with "id" set, the resource of an event payload.
func Resource(id string, doc map[string]any) map[string]any {
	r := make(map[string]any, len(doc)+1)
	maps.Copy(r, doc)
	r["id"] = id
	return r
}

// UserWritten returns the event of a replaced user: user.updated, or
// user.deactivated / user.reactivated when active changed. When its login
// method changed from oldMethod, the event says so as LoginMethodChanged does.
func UserWritten(id string, wasActive bool, oldDoc map[string]any, oldMethod string, u *roster.User) Event {
	typ := roster.UserUpdated
	switch {
	case wasActive && !u.Active:
		typ = roster.UserDeactivated
	case !wasActive && u.Active:
		typ = roster.UserReactivated
	}
	app := u.Entitlements
	e := Event{Type: typ, ResourceType: "User", ResourceID: id,
		Payload: Payload{Resource: Resource(id, u.Doc), Previous: roster.Changed(oldDoc, u.Doc), App: &app}}
	if oldMethod != "" && u.LoginMethod != "" && u.LoginMethod != oldMethod {
		e.Payload.loginMethod(oldMethod, u.LoginMethod)
	}
	return e
}

// Adopting returns e as the user.adopted event when the user it was written
// over was awaiting adoption (roster.User.AwaitingAdoption) and no longer is:
// the IdP's first write to a user the host application created.
func (e Event) Adopting(wasAwaiting bool) Event {
	if wasAwaiting && e.Type != roster.UserDeactivated && e.Type != roster.UserReactivated {
		e.Type = roster.UserAdopted
	}
	return e
}

// loginMethod adds a change of login method to p: the new method in the
// resource's sign-in extension (roster.SignInURN), the old one in previous.
func (p *Payload) loginMethod(old, method string) {
	p.Resource[roster.SignInURN] = map[string]any{"loginMethod": method}
	if p.Previous == nil {
		p.Previous = map[string]any{}
	}
	p.Previous[roster.SignInURN] = map[string]any{"loginMethod": old}
}

// LoginMethodChanged returns the user.updated event of a user whose login
// method went from old to method: its resource has the sign-in extension
// (roster.SignInURN) with the new method, its previous the old one.
func LoginMethodChanged(id string, doc map[string]any, app roster.Entitlements, old, method string) Event {
	e := Event{Type: roster.UserUpdated, ResourceType: "User", ResourceID: id, Payload: Payload{Resource: Resource(id, doc), App: &app}}
	e.Payload.loginMethod(old, method)
	return e
}

// UserCreated returns the user.created event of u, stored with id.
func UserCreated(id string, u *roster.User) Event {
	e := Created(roster.UserCreated, "User", id, u.Doc, nil)
	app := u.Entitlements
	e.Payload.App = &app
	return e
}

// Members returns a members_removed and a members_added event for the
// non-empty lists, in that order.
func Members(groupID string, resource map[string]any, removed, added []string) []Event {
	var es []Event
	if len(removed) > 0 {
		es = append(es, Event{Type: roster.GroupMembersRemoved, ResourceType: "Group", ResourceID: groupID,
			Payload: Payload{Resource: resource, Members: removed}})
	}
	if len(added) > 0 {
		es = append(es, Event{Type: roster.GroupMembersAdded, ResourceType: "Group", ResourceID: groupID,
			Payload: Payload{Resource: resource, Members: added}})
	}
	return es
}

// Created returns the event of a created or deleted resource (typ says which).
func Created(typ, resourceType, id string, doc map[string]any, members []string) Event {
	return Event{Type: typ, ResourceType: resourceType, ResourceID: id,
		Payload: Payload{Resource: Resource(id, doc), Members: members}}
}

// UserRetired returns the user.deleted event of a retired user: its document, and "retired": true.
func UserRetired(id string, doc map[string]any) Event {
	e := Created(roster.UserDeleted, "User", id, doc, nil)
	e.Payload.Retired = true
	return e
}

// GroupUpdated returns the group.updated event of a group whose document went from oldDoc to newDoc.
func GroupUpdated(id string, oldDoc, newDoc map[string]any) Event {
	return Event{Type: roster.GroupUpdated, ResourceType: "Group", ResourceID: id,
		Payload: Payload{Resource: Resource(id, newDoc), Previous: roster.Changed(oldDoc, newDoc)}}
}

// ProvisioningHeld returns the provisioning.held event of a tenant whose
// deprovisioning guard started holding: its resource is the tenant with the
// guard's limit and window, the removals counted in the window (this one
// included) and how many are held.
func ProvisioningHeld(tenantID string, limit int, window time.Duration, removals, held int) Event {
	return Event{Type: roster.ProvisioningHeld, ResourceType: "Tenant", ResourceID: tenantID,
		Payload: Payload{Resource: map[string]any{
			"id": tenantID, "limit": limit, "window": window.String(), "removals": removals, "held": held,
		}}}
}
