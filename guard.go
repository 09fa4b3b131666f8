package roster

import (
	"context"
	"time"
)

// DeprovisionGuard is a tenant's guard against mass deprovisioning: a
// misconfigured assignment or scoping filter in the IdP can deactivate or
// delete a whole directory in minutes. Once Max deactivations and deletes
// (or Percent of the tenant's users) happened within Window, further ones are
// held: they take access away at once, but nothing destructive happens and
// their events wait until an operator releases or reverts them.
// The zero DeprovisionGuard is off.
type DeprovisionGuard struct {
	Max     int           // removals allowed per Window; 0: Percent applies
	Percent int           // removals allowed per Window, in percent of the tenant's users
	Window  time.Duration // the sliding window removals are counted in
}

// Off reports whether g holds nothing.
func (g DeprovisionGuard) Off() bool { return g.Window <= 0 || (g.Max <= 0 && g.Percent <= 0) }

// Limit returns how many removals g allows per window in a tenant of users
// users: Max, or Percent of users rounded up, at least one.
func (g DeprovisionGuard) Limit(users int) int {
	if g.Max > 0 {
		return g.Max
	}
	return max(1, (g.Percent*users+99)/100)
}

// MaxGuardWindow is the longest window a guard may count removals in; the
// stores forget the removals they counted once older.
const MaxGuardWindow = 24 * time.Hour

// Kinds of held operations.
const (
	HeldDelete     = "delete"     // a DELETE: the user is retired, restorable without expiry
	HeldDeactivate = "deactivate" // active set false: the user stays, inactive
)

// HeldOperation is a deactivation or delete the tenant's guard held: it took
// the user's access away, but its event waits and, for a delete, the user
// stays restorable until the operation is released or reverted.
type HeldOperation struct {
	ID       string
	UserID   string
	UserName string
	Kind     string // HeldDelete or HeldDeactivate
	Event    string // the type of the event that waits
	Held     time.Time
}

// HeldQuery selects a page of a tenant's held operations, oldest first.
type HeldQuery struct {
	// After is the id of the held operation the previous page ended at (""
	// for the first page). When that operation was settled since, the page
	// starts from the oldest again: none is skipped.
	After string
	Limit int // at most this many; 0 or less: every one
}

// GuardStore writes the removals a tenant's DeprovisionGuard counts and keeps
// what it holds. Every method is scoped to one tenant.
type GuardStore interface {
	// DeleteUserGuarded is DeleteUser (RetireUser when retire) counted by g.
	// Past g's limit the removal is held: the user is retired as DeleteUser
	// does, its sessions end, but user.deleted waits and the purger skips it;
	// the first removal held in a window appends ProvisioningHeld. It
	// reports whether the removal was held. Errors as DeleteUser.
	DeleteUserGuarded(ctx context.Context, tenantID, id string, version int64, retire bool, g DeprovisionGuard) (held bool, err error)
	// ReplaceUserGuarded is ReplaceUser; when u's write sets active false,
	// it is counted by g and, past its limit, held: the user is written
	// inactive and its sessions end, but user.deactivated waits. It reports
	// whether the write was held. Errors as ReplaceUser.
	ReplaceUserGuarded(ctx context.Context, tenantID string, u *User, version int64, g DeprovisionGuard) (held bool, err error)
	// HeldOperations returns at most q.Limit of the tenant's held
	// operations after q.After, oldest first.
	HeldOperations(ctx context.Context, tenantID string, q HeldQuery) ([]*HeldOperation, error)
	// CountHeld returns how many operations the tenant's guard holds.
	CountHeld(ctx context.Context, tenantID string) (int, error)
	// ReleaseHeld lets the waiting events of the held operations ids (all of
	// the tenant's when ids is empty) go, in the order they were held, and
	// returns the operations released. ENOTFOUND naming an id not held.
	ReleaseHeld(ctx context.Context, tenantID string, ids []string) ([]*HeldOperation, error)
	// RevertHeld undoes the held operations ids (all when empty), newest
	// first: a deleted user is restored (as RestoreUser), a deactivated one
	// made active again with its entitlements from before; each appends
	// user.restored, and the waiting events are dropped. It returns the
	// operations reverted. ENOTFOUND naming an id not held; ECONFLICT as
	// RestoreUser.
	RevertHeld(ctx context.Context, tenantID string, ids []string) ([]*HeldOperation, error)
}
