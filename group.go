package roster

import (
	"context"
	"time"
)

// Group is a group provisioned by the tenant's IdP. Its members live in their own
// table, so that changing a few members of a large group costs the change only.
type Group struct {
	ID          string
	DisplayName string
	ExternalID  string
	Doc         map[string]any
	Version     int64
	Created     time.Time
	Modified    time.Time
	// Retired is when a DELETE took the group out of SCIM, restorably (zero
	// for a live group): only GroupStore.RetiredGroup returns such a group.
	Retired time.Time
	// Members is nil unless loaded (or, on create and replace, the full member list).
	Members []Member
	// ReserveName says a create or a rename makes the group hold its
	// DisplayName in its tenant, in any case: no other group may take it
	// (ECONFLICT naming the holder). Entra ID matches groups by displayName.
	// The tenant's policy sets it (groups.uniqueDisplayName, on by default);
	// it is not read back.
	ReserveName bool
}

// Member is a user or a group that belongs to a group.
type Member struct {
	ID      string
	Type    string // "User" or "Group"
	Display string
}

// Member types.
const (
	MemberUser  = "User"
	MemberGroup = "Group"
)

// MemberOp says what a MemberChange does.
type MemberOp int

// Member operations, as PATCH expresses them.
const (
	MembersAdd       MemberOp = iota // add the ids (already present ids are ignored)
	MembersRemove                    // remove the ids (absent ids are ignored)
	MembersReplace                   // the ids become the whole member list
	MembersRemoveAll                 // remove every member
)

// MemberChange is one batch of membership changes of a PATCH.
type MemberChange struct {
	Op  MemberOp
	IDs []string
}

// MemberPage is how many members GroupStore.EachMember reads at a time.
const MemberPage = 1000

// GroupStore keeps groups and memberships, scoped to one tenant like UserStore.
type GroupStore interface {
	// CreateGroup stores g with g.Members, filling ID, Version, Created, Modified
	// and each member's Type. EINVALID if a member is not a user or group of the tenant;
	// ECONFLICT (Attr "displayName", naming the holder) if g.ReserveName and another
	// group holds the name.
	CreateGroup(ctx context.Context, tenantID string, g *Group) error
	// Group returns the group; members are loaded unless withoutMembers. ENOTFOUND.
	Group(ctx context.Context, tenantID, id string, withoutMembers bool) (*Group, error)
	// ReplaceGroup overwrites the group and sets its member list to g.Members.
	// EPRECONDITION when version is not 0 and stale; ENOTFOUND; EINVALID and
	// ECONFLICT (for a rename) as above.
	ReplaceGroup(ctx context.Context, tenantID string, g *Group, version int64) error
	// UpdateGroup writes g's attributes (when doc is true) and applies the member
	// changes in order, in one transaction whose cost follows the changes, not the
	// group's size. EPRECONDITION, ENOTFOUND, EINVALID, ECONFLICT as above.
	UpdateGroup(ctx context.Context, tenantID string, g *Group, doc bool, changes []MemberChange, version int64) error
	// DeleteGroup takes the group out of SCIM, restorably: it keeps the group,
	// its member ids and the ids of the groups it belongs to aside for
	// RestoreGroup, removes it and its memberships (as group and as member)
	// from the live ones, so that its displayName is free and it is no longer
	// counted, and appends group.deleted. ENOTFOUND, EPRECONDITION.
	DeleteGroup(ctx context.Context, tenantID, id string, version int64) error
	// RetiredGroup finds a deleted group by id, displayName (ignoring case) or
	// externalId; of several, the one deleted last. Its Members are the kept
	// ones (ids and types, no displays). ENOTFOUND.
	RetiredGroup(ctx context.Context, tenantID, ref string) (*Group, error)
	// RestoreGroup brings the deleted group id back with its id, displayName,
	// externalId and document, the members kept that are live users or
	// groups, and its memberships of the live groups it belonged to, and
	// appends group.restored (whose "members" are the member ids re-added). A
	// kept membership whose other side is a deleted user or group is handed
	// to that one's kept memberships, so that it comes back with it.
	// ENOTFOUND when no deleted group has the id; ECONFLICT naming the live
	// group that holds its displayName (in any case) or its id.
	RestoreGroup(ctx context.Context, tenantID, id string) error
	// PurgeGroup removes the deleted group id for good. ENOTFOUND when no
	// deleted group has the id.
	PurgeGroup(ctx context.Context, tenantID, id string) error
	// PurgeRetiredGroups removes for good, in every tenant, the groups
	// deleted before before, and says how many.
	PurgeRetiredGroups(ctx context.Context, before time.Time) (int64, error)
	// Groups returns one page of groups and the total number that match.
	Groups(ctx context.Context, tenantID string, q Query) ([]*Group, int, error)
	// EachMember calls fn with each member of the group, with its display, in
	// the order of Group's Members, reading them MemberPage at a time rather
	// than all at once, and holding no read (snapshot, connection) while fn
	// runs; it stops at fn's first error and returns it. The pages are read
	// one after another, not in one snapshot.
	EachMember(ctx context.Context, tenantID, groupID string, fn func(Member) error) error
}

// GroupPageQuery selects a page of a tenant's groups, ordered by displayName
// then id (display names may repeat).
type GroupPageQuery struct {
	// Search keeps the groups whose id or externalId is it exactly, or whose
	// displayName starts with it, ignoring case ("" keeps every group).
	Search string
	// AfterName and AfterID are the displayName and id of the group the
	// previous page ended at (both "" for the first page).
	AfterName, AfterID string
	Limit              int
}

// GroupPager reads a tenant's groups, and a group's members, a page at a
// time, for lists that must not load them all.
type GroupPager interface {
	// GroupPage returns at most q.Limit groups of the tenant that q selects,
	// without their members, ordered by displayName ignoring case, then id.
	GroupPage(ctx context.Context, tenantID string, q GroupPageQuery) ([]*Group, error)
	// GroupMembers returns at most limit members of the group, with their
	// displays, in member id order after the id after ("" for the first
	// page). A group that does not exist has no members.
	GroupMembers(ctx context.Context, tenantID, groupID, after string, limit int) ([]Member, error)
}
