// Package admin holds every operation an operator performs on Roster — tenants
// and their lifecycle, their tokens, API keys, webhooks, policies (with their
// impact and versions) and folders, first start, sign-in connections, OAuth
// clients, users' login methods and passwords, the operators themselves and
// their console sessions — with its validation and its audit row. The command
// line and the console are two faces of it: neither holds a rule of its own.
// The caller names who acts with WithActor.
package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/webhook"
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
	roster.SetupLinkStore
	CreateAPIKey(ctx context.Context, k *roster.APIKey) error
	APIKey(ctx context.Context, id string) (*roster.APIKey, error)
	APIKeys(ctx context.Context) ([]*roster.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string) error
	CreateWebhook(ctx context.Context, w *roster.Webhook) error
	Webhook(ctx context.Context, id string) (*roster.Webhook, error)
	Webhooks(ctx context.Context) ([]*roster.Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	ResetWebhook(ctx context.Context, id string, cursor int64) error
	Deliveries(ctx context.Context, webhookID string, limit int) ([]*roster.Delivery, error)
	LastEventSeq(ctx context.Context) (int64, error)
	PrunedThrough(ctx context.Context) (int64, error)
	roster.OAuthClientStore
	SetSSOConnection(ctx context.Context, c *roster.SSOConnection) error
	SSOConnection(ctx context.Context, tenantID string) (*roster.SSOConnection, error)
	DeleteSSOConnection(ctx context.Context, tenantID string) error
	sso.KeyStore
	User(ctx context.Context, tenantID, id string) (*roster.User, error)
	roster.UserPager
	roster.GroupPager
	Group(ctx context.Context, tenantID, id string, withoutMembers bool) (*roster.Group, error)
	Users(ctx context.Context, tenantID string, q roster.Query) ([]*roster.User, int, error)
	SetLoginMethod(ctx context.Context, tenantID, userID, method string) error
	SetPassword(ctx context.Context, tenantID, userID string, hash string) error
	RetiredUser(ctx context.Context, tenantID, ref string) (*roster.User, error)
	RestoreUser(ctx context.Context, tenantID, id string) error
	PurgeUser(ctx context.Context, tenantID, id string) error
	RetiredGroup(ctx context.Context, tenantID, ref string) (*roster.Group, error)
	RestoreGroup(ctx context.Context, tenantID, id string) error
	PurgeGroup(ctx context.Context, tenantID, id string) error
	HeldOperations(ctx context.Context, tenantID string, q roster.HeldQuery) ([]*roster.HeldOperation, error)
	ReleaseHeld(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error)
	RevertHeld(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error)
	roster.SettingStore
	roster.TenantStatsReader
	Policy(ctx context.Context, tenantID string) (*roster.Policy, error)
	SetPolicy(ctx context.Context, tenantID string, doc json.RawMessage, ifVersion int64, setBy string) (int64, error)
	PolicyVersions(ctx context.Context, tenantID string, q roster.PolicyVersionQuery) ([]*roster.Policy, error)
	PolicyVersion(ctx context.Context, tenantID string, version int64) (*roster.Policy, error)
	Recompute(ctx context.Context, tenantID string) (*roster.Recompute, error)
	policy.UserLister // the users a policy's impact reads, and the folders
	CreateFolder(ctx context.Context, tenantID string, f *roster.Folder) error
	UpdateFolder(ctx context.Context, tenantID string, f *roster.Folder) error
	DeleteFolder(ctx context.Context, tenantID, id string) error
	CreateUser(ctx context.Context, tenantID string, u *roster.User) error
	ReplaceUser(ctx context.Context, tenantID string, u *roster.User, version int64) error
	roster.DriftReader
}

// Service performs operator actions over a store.
type Service struct {
	store Store
	now   roster.Clock
	log   *slog.Logger
	// dummyHash is what an unknown operator's password is compared with,
	// hashed once, on the first sign-in.
	dummyHash func() string
	// sealer seals the signing secrets of the webhooks added; nil keeps
	// them as they are. relay sends test messages.
	webhookSealer webhook.Sealer
	relay         WebhookTester
	// sealer seals sign-in secrets (WithSealer); nil: the operations that
	// seal one fail.
	sealer *sso.Sealer
}

// New returns a Service over store, telling the time with now and logging to log.
func New(store Store, now roster.Clock, log *slog.Logger) *Service {
	return &Service{store: store, now: now, log: log, dummyHash: sync.OnceValue(newDummyHash)}
}

// WebhookTester sends a webhook's test message and returns the status its
// endpoint answered (0 when none) and what went wrong; *webhook.Relay is one.
type WebhookTester interface {
	Test(ctx context.Context, w *roster.Webhook) (int, string)
}

// SetWebhooks makes s seal the signing secrets of the webhooks it adds with
// sealer (nil: stored as they are, when no secret key is configured) and send
// test messages through relay. Call it before the webhook operations that need
// them, AddWebhook and TestWebhook, not while they run.
func (s *Service) SetWebhooks(sealer webhook.Sealer, relay WebhookTester) {
	s.webhookSealer, s.relay = sealer, relay
}
