// Package notify tells waiters in this process that the outbox has grown: the
// events API's long polls and the webhook relay wake on it instead of polling
// fast. Writes made by other processes are found by the waiters' own slower polls.
package notify

import (
	"context"
	"sync"
	"time"

	"github.com/rosterhq/roster"
)

// Broadcaster wakes every waiter at once. The zero value is ready to use.
type Broadcaster struct {
	mu sync.Mutex
	ch chan struct{}
}

// C returns a channel that is closed at the next Notify.
func (b *Broadcaster) C() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// Notify wakes every waiter on a channel returned by C.
func (b *Broadcaster) Notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// Store wraps a store so that every successful write of users and groups (each
// appends events) calls b.Notify.
func Store(s roster.Store, b *Broadcaster) roster.Store {
	return &store{Store: s, b: b}
}

type store struct {
	roster.Store
	b *Broadcaster
}

func (s *store) done(err error) error {
	if err == nil {
		s.b.Notify()
	}
	return err
}

func (s *store) CreateUser(ctx context.Context, tenantID string, u *roster.User) error {
	return s.done(s.Store.CreateUser(ctx, tenantID, u))
}

func (s *store) ReplaceUser(ctx context.Context, tenantID string, u *roster.User, version int64) error {
	return s.done(s.Store.ReplaceUser(ctx, tenantID, u, version))
}

func (s *store) DeleteUser(ctx context.Context, tenantID, id string, version int64) error {
	return s.done(s.Store.DeleteUser(ctx, tenantID, id, version))
}

func (s *store) RetireUser(ctx context.Context, tenantID, id string, version int64) error {
	return s.done(s.Store.RetireUser(ctx, tenantID, id, version))
}

func (s *store) CreateGroup(ctx context.Context, tenantID string, g *roster.Group) error {
	return s.done(s.Store.CreateGroup(ctx, tenantID, g))
}

func (s *store) ReplaceGroup(ctx context.Context, tenantID string, g *roster.Group, version int64) error {
	return s.done(s.Store.ReplaceGroup(ctx, tenantID, g, version))
}

func (s *store) UpdateGroup(ctx context.Context, tenantID string, g *roster.Group, doc bool, changes []roster.MemberChange, version int64) error {
	return s.done(s.Store.UpdateGroup(ctx, tenantID, g, doc, changes, version))
}

func (s *store) DeleteGroup(ctx context.Context, tenantID, id string, version int64) error {
	return s.done(s.Store.DeleteGroup(ctx, tenantID, id, version))
}

func (s *store) RecomputeBatch(ctx context.Context, r *roster.Recompute, n int, entitle func(map[string]any) roster.Entitlements, until time.Time) error {
	return s.done(s.Store.RecomputeBatch(ctx, r, n, entitle, until))
}

func (s *store) DeleteUserGuarded(ctx context.Context, tenantID, id string, version int64, retire bool, g roster.DeprovisionGuard) (bool, error) {
	held, err := s.Store.DeleteUserGuarded(ctx, tenantID, id, version, retire, g)
	return held, s.done(err)
}

func (s *store) ReplaceUserGuarded(ctx context.Context, tenantID string, u *roster.User, version int64, g roster.DeprovisionGuard) (bool, error) {
	held, err := s.Store.ReplaceUserGuarded(ctx, tenantID, u, version, g)
	return held, s.done(err)
}

func (s *store) ReleaseHeld(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error) {
	ops, err := s.Store.ReleaseHeld(ctx, tenantID, ids)
	return ops, s.done(err)
}

func (s *store) RevertHeld(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error) {
	ops, err := s.Store.RevertHeld(ctx, tenantID, ids)
	return ops, s.done(err)
}
