package admin

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/webhook"
)

// Webhook is a webhook as operators see it: the endpoint and its delivery
// state without its signing secret, the name of its tenant, and how far it is
// behind the newest event.
type Webhook struct {
	*roster.Webhook
	// Tenant is the name of the tenant whose events it receives, "" for
	// every tenant (or the tenant's id when no tenant has it any more).
	Tenant string
	// Behind counts the events after its cursor (some may be of other tenants
	// or types, which it skips).
	Behind int64
}

// NewWebhook is what AddWebhook adds.
type NewWebhook struct {
	URL    string   // an absolute http:// or https:// URL
	Tenant string   // id or name of the tenant whose events it receives; "": every tenant
	Types  []string // the event types it receives (roster.EventTypes); none: all
	// From is where delivery starts: "now" (the events after this moment),
	// "start" (every event still retained) or a cursor (the events after it).
	From string
}

// AddWebhook adds the endpoint n and returns its signing secret — shown once,
// stored sealed (see SetWebhooks) — and the webhook. EINVALID for a URL that is
// not absolute http(s), an unknown event type or a From that is none of now,
// start or a cursor; ENOTFOUND.
func (s *Service) AddWebhook(ctx context.Context, n NewWebhook) (string, *Webhook, error) {
	u, err := url.Parse(n.URL)
	if n.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil, roster.Errorf(roster.EINVALID, "webhook add: --url %q: want an absolute http:// or https:// URL", n.URL)
	}
	secret := roster.NewWebhookSecret()
	w := &roster.Webhook{URL: u.String(), Secret: webhook.SealSecret(s.webhookSealer, secret)}
	var t *roster.Tenant
	if n.Tenant != "" {
		if t, err = s.store.Tenant(ctx, n.Tenant); err != nil {
			return "", nil, err
		}
		w.TenantID = t.ID
	}
	for _, typ := range n.Types {
		typ = strings.TrimSpace(typ)
		if !slices.Contains(roster.EventTypes, typ) {
			return "", nil, roster.Errorf(roster.EINVALID, "webhook add: --types: unknown event type %q (known: %s)", typ, strings.Join(roster.EventTypes, ", "))
		}
		w.Types = append(w.Types, typ)
	}
	if w.Cursor, err = s.startCursor(ctx, n.From); err != nil {
		return "", nil, err
	}
	if err := s.store.CreateWebhook(ctx, w); err != nil {
		return "", nil, err
	}
	w.Secret = ""
	added := &Webhook{Webhook: w}
	if t != nil {
		added.Tenant = t.Name
	}
	return secret, added, s.audit(ctx, change{action: "webhook.add", tenant: t, target: w.ID, after: webhookStateOf(w)})
}

// startCursor returns the cursor a new webhook starts after: the newest event
// for "now", the last pruned one for "start", or the cursor from names.
func (s *Service) startCursor(ctx context.Context, from string) (int64, error) {
	switch from {
	case "now":
		return s.store.LastEventSeq(ctx)
	case "start":
		return s.store.PrunedThrough(ctx)
	}
	cursor, err := strconv.ParseInt(from, 10, 64)
	if err != nil || cursor < 0 {
		return 0, roster.Errorf(roster.EINVALID, "webhook add: --from %q: want now, start or a cursor", from)
	}
	return cursor, nil
}

// Webhooks lists every webhook, oldest first, without their signing secrets.
func (s *Service) Webhooks(ctx context.Context) ([]*Webhook, error) {
	ws, err := s.store.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	names, err := s.readTenantNames(ctx)
	if err != nil {
		return nil, err
	}
	last, err := s.store.LastEventSeq(ctx)
	if err != nil {
		return nil, err
	}
	listed := make([]*Webhook, len(ws))
	for i, w := range ws {
		listed[i] = webhookView(w, names.of(w.TenantID), last)
	}
	return listed, nil
}

// TenantWebhooks returns the tenant idOrName and the webhooks that receive its
// events, oldest first, without their signing secrets: those scoped to it and
// those of every tenant (their Tenant ""). ENOTFOUND.
func (s *Service) TenantWebhooks(ctx context.Context, idOrName string) (*roster.Tenant, []*Webhook, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	ws, err := s.store.Webhooks(ctx)
	if err != nil {
		return nil, nil, err
	}
	last, err := s.store.LastEventSeq(ctx)
	if err != nil {
		return nil, nil, err
	}
	var listed []*Webhook
	for _, w := range ws {
		switch w.TenantID {
		case t.ID:
			listed = append(listed, webhookView(w, t.Name, last))
		case "":
			listed = append(listed, webhookView(w, "", last))
		}
	}
	return t, listed, nil
}

// Webhook returns the webhook id without its signing secret. ENOTFOUND.
func (s *Service) Webhook(ctx context.Context, id string) (*Webhook, error) {
	w, t, err := s.webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	last, err := s.store.LastEventSeq(ctx)
	if err != nil {
		return nil, err
	}
	name := ""
	if t != nil {
		name = t.Name
	}
	return webhookView(w, name, last), nil
}

// webhookView is w as operators see it, without its signing secret, of the
// tenant named tenant, when the newest event is last.
func webhookView(w *roster.Webhook, tenant string, last int64) *Webhook {
	w.Secret = ""
	return &Webhook{Webhook: w, Tenant: tenant, Behind: max(last-w.Cursor, 0)}
}

// RemoveWebhook removes the webhook id and its delivery attempts. ENOTFOUND.
func (s *Service) RemoveWebhook(ctx context.Context, id string) error {
	w, t, err := s.webhook(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "webhook.remove", tenant: t, target: id, before: webhookStateOf(w)})
}

// WebhookTest is what an endpoint answered a test message.
type WebhookTest struct {
	Status int    // the HTTP status, 0 when the endpoint did not answer
	Error  string // what went wrong, "" when it acknowledged
}

// Acknowledged reports whether the endpoint acknowledged the message (2xx).
func (r WebhookTest) Acknowledged() bool { return r.Status >= 200 && r.Status <= 299 }

// TestWebhook sends a webhook.test message, signed, to the endpoint of the
// webhook id at once, outside the event order, through the relay SetWebhooks
// gave, and returns its answer. ENOTFOUND.
func (s *Service) TestWebhook(ctx context.Context, id string) (WebhookTest, error) {
	if s.relay == nil {
		return WebhookTest{}, errors.New("admin: no relay to send test messages (SetWebhooks)")
	}
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return WebhookTest{}, err
	}
	status, msg := s.relay.Test(ctx, w)
	return WebhookTest{Status: status, Error: msg}, nil
}

// Bounds of a deliveries query.
const (
	DefaultDeliveriesLimit = 20
	MaxDeliveriesLimit     = 1000
)

// Deliveries returns the recent delivery attempts of the webhook id, newest
// first, at most limit (0: DefaultDeliveriesLimit). ENOTFOUND, EINVALID for a
// limit out of 0..MaxDeliveriesLimit.
func (s *Service) Deliveries(ctx context.Context, id string, limit int) ([]*roster.Delivery, error) {
	if limit < 0 || limit > MaxDeliveriesLimit {
		return nil, roster.Errorf(roster.EINVALID, "deliveries limit %d: want 1 to %d", limit, MaxDeliveriesLimit)
	}
	if limit == 0 {
		limit = DefaultDeliveriesLimit
	}
	if _, err := s.store.Webhook(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, id, limit)
}

// Replay makes the webhook id deliver again the events after the cursor from
// ("0": every event still retained), clearing its failure state, and returns
// the cursor. EINVALID when from is not a cursor; ENOTFOUND.
func (s *Service) Replay(ctx context.Context, id, from string) (int64, error) {
	if from == "" {
		return 0, roster.Errorf(roster.EINVALID, "webhook replay: --from CURSOR is required")
	}
	cursor, err := strconv.ParseInt(from, 10, 64)
	if err != nil || cursor < 0 {
		return 0, roster.Errorf(roster.EINVALID, "webhook replay: --from %q is not a cursor", from)
	}
	w, t, err := s.webhook(ctx, id)
	if err != nil {
		return 0, err
	}
	return cursor, s.reset(ctx, "webhook.replay", w, t, cursor)
}

// Resume makes the webhook id, failing since its retries ran out, deliver
// again at once from its cursor, and returns the cursor. ENOTFOUND.
func (s *Service) Resume(ctx context.Context, id string) (int64, error) {
	w, t, err := s.webhook(ctx, id)
	if err != nil {
		return 0, err
	}
	return w.Cursor, s.reset(ctx, "webhook.resume", w, t, w.Cursor)
}

// reset sets w's cursor, clears its failure state and makes it due at once.
func (s *Service) reset(ctx context.Context, action string, w *roster.Webhook, t *roster.Tenant, cursor int64) error {
	before := webhookStateOf(w)
	if err := s.store.ResetWebhook(ctx, w.ID, cursor); err != nil {
		return err
	}
	w.Cursor, w.Failed = cursor, time.Time{}
	return s.audit(ctx, change{action: action, tenant: t, target: w.ID, before: before, after: webhookStateOf(w)})
}

// webhook returns the webhook id and its tenant, nil for every tenant. ENOTFOUND.
func (s *Service) webhook(ctx context.Context, id string) (*roster.Webhook, *roster.Tenant, error) {
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.tenantOf(ctx, w.TenantID)
	if err != nil {
		return nil, nil, err
	}
	return w, t, nil
}

// webhookState is what the audit trail records of a webhook: never its
// signing secret.
type webhookState struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Types  []string `json:"types,omitempty"`
	Cursor int64    `json:"cursor"`
	Failed string   `json:"failed,omitempty"`
}

func webhookStateOf(w *roster.Webhook) webhookState {
	st := webhookState{ID: w.ID, URL: w.URL, Types: w.Types, Cursor: w.Cursor}
	if !w.Failed.IsZero() {
		st.Failed = w.Failed.UTC().Format("2006-01-02T15:04:05Z")
	}
	return st
}
