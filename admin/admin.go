// Package admin holds every operation an operator performs on Roster — tenants
// and their lifecycle, their tokens, their policies (with their impact and
// versions) and folders, first start, the operators themselves —
// with its validation and its audit row. The command line and the console are
// two faces of it: neither holds a rule of its own. The caller names who acts
// with WithActor.
package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
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
	Policy(ctx context.Context, tenantID string) (*roster.Policy, error)
	SetPolicy(ctx context.Context, tenantID string, doc json.RawMessage, ifVersion int64, setBy string) (int64, error)
	PolicyVersions(ctx context.Context, tenantID string, q roster.PolicyVersionQuery) ([]*roster.Policy, error)
	PolicyVersion(ctx context.Context, tenantID string, version int64) (*roster.Policy, error)
	Recompute(ctx context.Context, tenantID string) (*roster.Recompute, error)
	policy.UserLister // the users a policy's impact reads, and the folders
	CreateFolder(ctx context.Context, tenantID string, f *roster.Folder) error
	UpdateFolder(ctx context.Context, tenantID string, f *roster.Folder) error
	DeleteFolder(ctx context.Context, tenantID, id string) error
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
