// Package admin holds every operation an operator performs on Roster — tenants
// and their lifecycle, their tokens, first start, the operators themselves —
// with its validation and its audit row. The command line and the console are
// two faces of it: neither holds a rule of its own. The caller names who acts
// with WithActor.
package admin

import (
	"context"
	"log/slog"
	"sync"

	"github.com/rosterhq/roster"
)

// Store is what the admin operations read and write.
type Store interface {
	roster.TenantStore
	CreateToken(ctx context.Context, t *roster.Token) error
	Token(ctx context.Context, id string) (*roster.Token, error)
	Tokens(ctx context.Context, tenantID string) ([]*roster.Token, error)
	RevokeToken(ctx context.Context, id string) error
	SetTenantDisplayName(ctx context.Context, id, displayName string) error
	SetTenantDisabled(ctx context.Context, id string, disabled bool) error
	DeleteTenant(ctx context.Context, id string) error
	roster.AuditStore
	SetTenantOrganization(ctx context.Context, tenantID, organization string) error
	SetTenantDomains(ctx context.Context, tenantID string, domains []string) error
	roster.OperatorStore
	roster.OperatorSessionStore
	User(ctx context.Context, tenantID, id string) (*roster.User, error)
	Users(ctx context.Context, tenantID string, q roster.Query) ([]*roster.User, int, error)
	SetLoginMethod(ctx context.Context, tenantID, userID, method string) error
}

// Service performs operator actions over a store.
type Service struct {
	store Store
	now   roster.Clock
	log   *slog.Logger
	// dummyHash is what an unknown operator's password is compared with,
	// hashed once, on the first sign-in.
	dummyHash func() string
}

// New returns a Service over store, telling the time with now and logging to log.
func New(store Store, now roster.Clock, log *slog.Logger) *Service {
	return &Service{store: store, now: now, log: log, dummyHash: sync.OnceValue(newDummyHash)}
}
