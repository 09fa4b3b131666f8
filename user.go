package roster

import (
	"context"
	"time"

	"github.com/rosterhq/roster/scim/filter"
)

// User is a person provisioned by the tenant's IdP. Doc is the SCIM document as the
// IdP wrote it (normalised by the schema registry, without id, meta and groups);
// the other fields are the attributes Roster indexes, derived from Doc by the caller.
type User struct {
	ID          string
	UserName    string
	ExternalID  string
	DisplayName string
	Active      bool
	Emails      []Email
	Doc         map[string]any
	Version     int64
	Created     time.Time
	Modified    time.Time
	// Groups lists the groups the user is a direct member of. Reads fill it; writes ignore it.
	Groups []GroupRef
	// Entitlements are the user's state in the app under the tenant's policy.
	// Writes store them as given; a user written without a policy holds
	// Entitlements{Active: Active}.
	Entitlements Entitlements
	// Unique holds the values the tenant's policy makes unique beyond
	// userName, keyed by attribute path, each already folded to the form that
	// is compared (lower case for case-insensitive attributes). A write whose
	// value another user of the tenant holds fails with ECONFLICT, Attr the key.
	Unique map[string]string
	// Retired is when a DELETE retired the user instead of removing it (the
	// policy's "keep as deactivated"); zero for a live user. A retired user is
	// gone for SCIM: User answers ENOTFOUND, Users skips it unless
	// Query.Retired, and its userName and Unique values are free again.
	Retired time.Time
	// LoginMethod says how the user may sign in: LoginMethodIdP (the default),
	// LoginMethodPassword or LoginMethodEither. Reads fill it; CreateUser
	// stores "" as LoginMethodIdP, and ReplaceUser keeps the stored one when "".
	LoginMethod string
	// AwaitingAdoption marks a user the host application created (the app
	// API's POST /users or roster user import) that the tenant's IdP has not
	// written yet: the IdP's first write to it adopts it (user.adopted) instead
	// of creating a twin. Writes store it as given.
	AwaitingAdoption bool
	// IdP holds, by attribute path, the IdP's last value of each attribute
	// the tenant's policy did not take from it (owned by the app, taken at
	// create only, ignored, not allowed): nothing the IdP sends is lost, and
	// SCIM reads answer with it so that the IdP sees what it sent. A nil value
	// says the IdP sent none. Writes store it as given.
	IdP map[string]any
}

// Email is one of a user's email addresses, kept beside the document so that
// filters on emails are served from an index.
type Email struct {
	Value   string
	Type    string
	Primary bool
}

// GroupRef names a group a user belongs to.
type GroupRef struct {
	ID          string
	DisplayName string
}

// Query selects a page of users or groups.
type Query struct {
	// Filter, when set, selects the resources; it is compiled to SQL with Resolve
	// telling the compiler each attribute's type and case handling.
	Filter  filter.Expr
	Resolve filter.Resolver
	// Canonical, when set, returns a path in its schema's spelling ("DEPARTMENT" →
	// "department"): attributes kept in the stored JSON document are found under their
	// canonical names whatever the case of Filter or SortBy. Nil keeps names as written.
	Canonical func(filter.AttrPath) filter.AttrPath
	// StartIndex is 1-based (RFC 7644 §3.4.2.4); Count 0 returns only the total.
	StartIndex int
	Count      int
	// SortBy orders the results (RFC 7644 §3.4.2.3); zero means creation order.
	SortBy   filter.AttrPath
	SortDesc bool
	// WithoutMembers leaves group members unloaded (excludedAttributes=members).
	WithoutMembers bool
	// Cursor marks a page of cursor pagination (RFC 9865): Filter holds the
	// keyset condition on (meta.created, id), StartIndex is 1, and the store
	// neither counts the matches (the total is -1) nor sorts more than the page,
	// so that every page costs the same.
	Cursor bool
	// Retired includes retired users in Users (the app API reads them; SCIM never does).
	Retired bool
}

// UserStore keeps users. Every method is scoped to one tenant; a user of another
// tenant is never seen. Each write appends its event in the same transaction.
type UserStore interface {
	// CreateUser stores u, filling ID (when empty), Version, Created and Modified.
	// ECONFLICT if the userName is taken in the tenant (case-insensitive).
	CreateUser(ctx context.Context, tenantID string, u *User) error
	// User returns the user with the given id. ENOTFOUND if there is none.
	User(ctx context.Context, tenantID, id string) (*User, error)
	// ReplaceUser overwrites the user u.ID with u. When version is not 0 and the
	// stored version differs, EPRECONDITION. ENOTFOUND, ECONFLICT as above.
	// When u is inactive (Active or Entitlements.Active false), the user's
	// sessions end in the same transaction.
	ReplaceUser(ctx context.Context, tenantID string, u *User, version int64) error
	// DeleteUser takes the user out of SCIM, restorably: it retires the user
	// (Retired set, Entitlements.Active false), keeps its memberships and
	// Unique values aside for RestoreUser and frees them, removes its identity
	// links, ends its sessions and appends user.deleted. ENOTFOUND, EPRECONDITION.
	DeleteUser(ctx context.Context, tenantID, id string, version int64) error
	// RetireUser answers a DELETE by keeping the user as deactivated: it sets
	// Retired, sets Entitlements.Active false, removes the memberships and the
	// Unique values, ends its sessions, bumps the version and appends a
	// user.deleted event whose payload has "retired": true. ENOTFOUND, EPRECONDITION as DeleteUser.
	RetireUser(ctx context.Context, tenantID, id string, version int64) error
	// RetiredUser finds a retired user by id, userName (ignoring case) or
	// externalId; of several, the one retired last. ENOTFOUND.
	RetiredUser(ctx context.Context, tenantID, ref string) (*User, error)
	// RestoreUser brings the retired user id back: it clears Retired, re-adds
	// the Unique values and the memberships (of groups that still exist) kept
	// when it was retired, makes it active in the app again if it was then
	// (Entitlements.Active), and appends user.restored. ENOTFOUND when no
	// retired user has the id; ECONFLICT naming the live user who holds its
	// userName or one of its Unique values.
	RestoreUser(ctx context.Context, tenantID, id string) error
	// PurgeUser removes the retired user id for good, with its emails and
	// everything kept for RestoreUser. ENOTFOUND when no retired user has the id.
	PurgeUser(ctx context.Context, tenantID, id string) error
	// PurgeRetiredUsers removes for good, in every tenant, the users retired
	// before before, but for those whose delete a DeprovisionGuard holds,
	// and says how many.
	PurgeRetiredUsers(ctx context.Context, before time.Time) (int64, error)
	// Users returns one page of users and the total number that match.
	Users(ctx context.Context, tenantID string, q Query) ([]*User, int, error)
	// UserDoc is User for a response that writes the user's document out as
	// it is: with the stored JSON text of the document, as the store's
	// encoder wrote it, and the user without Doc and what the document holds
	// (its id, version, times, entitlements, login method, IdP values and
	// groups are filled). A store that keeps no such text returns a nil text
	// and the whole user. ENOTFOUND if there is none.
	UserDoc(ctx context.Context, tenantID, id string) (*User, []byte, error)
	// UserDocs is Users as UserDoc is User: docs[i] is the text of users[i].
	UserDocs(ctx context.Context, tenantID string, q Query) (users []*User, docs [][]byte, total int, err error)
}

// UserPageQuery selects a page of a tenant's live users, ordered by userName.
type UserPageQuery struct {
	// Search keeps the users whose id or externalId is it exactly, or whose
	// userName or one of whose emails starts with it, ignoring case ("" keeps
	// every user).
	Search string
	// After is the userName the previous page ended at ("" for the first page).
	After string
	Limit int
}

// UserPager reads a tenant's users a page at a time, for lists that must not
// load every user: each page costs about the same however deep it is.
type UserPager interface {
	// UserPage returns at most q.Limit live users of the tenant that q
	// selects, with their emails but not their groups (User has them),
	// ordered by userName ignoring case (the order of After).
	UserPage(ctx context.Context, tenantID string, q UserPageQuery) ([]*User, error)
}
