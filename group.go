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
	// DeleteGroup removes the group and its memberships (as group and as member).
	DeleteGroup(ctx context.Context, tenantID, id string, version int64) error
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
