package roster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"
)

// Webhook is an endpoint of the host application that receives the events of
// one tenant (or of all), in order: the event after Cursor is sent only once
// every event up to Cursor was acknowledged.
type Webhook struct {
	ID       string
	TenantID string // "": every tenant
	URL      string
	// Secret signs deliveries (Standard Webhooks: "whsec_" + base64 key). It is
	// needed to sign, so it cannot be hashed like a token: stores keep what
	// they are given, which is the secret sealed under Roster's secret key
	// (see webhook.SealSecret), or as it is where there is no key.
	Secret  string
	Types   []string // event types sent; empty: all
	Created time.Time
	// Cursor is the seq of the last event acknowledged (or skipped by Types);
	// delivery resumes after it.
	Cursor int64
	// Attempts counts the failed attempts at the next event; NextAttempt is when
	// to try again (zero: now). FailingSince is the first failure of the current
	// streak; Failed is set when the retries ran out, and delivery then waits for
	// a resume (ResetWebhook).
	Attempts     int
	NextAttempt  time.Time
	FailingSince time.Time
	Failed       time.Time
	LastError    string
}

// webhookSecretMark starts every webhook signing secret, as Standard Webhooks does.
const webhookSecretMark = "whsec_"

// NewWebhookSecret returns a fresh signing secret: "whsec_" and 192 random bits in base64.
func NewWebhookSecret() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand documents it)
	return webhookSecretMark + base64.StdEncoding.EncodeToString(b)
}

// Delivery is one attempt to deliver one event to one webhook.
type Delivery struct {
	ID        int64
	WebhookID string
	Seq       int64
	EventID   string
	EventType string
	Attempt   int // 1 for the first try of this event
	Time      time.Time
	Status    int // HTTP status; 0 when no response came
	Error     string
	Duration  time.Duration
}

// Acked reports whether the endpoint acknowledged the delivery (2xx).
func (d *Delivery) Acked() bool {
	return d.Status >= 200 && d.Status < 300
}

// WebhookStore keeps webhooks, their delivery state and recent attempts.
type WebhookStore interface {
	// CreateWebhook stores w, filling ID and Created; Cursor is kept as given.
	// ENOTFOUND if its tenant does not exist.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// Webhooks lists every webhook, oldest first.
	Webhooks(ctx context.Context) ([]*Webhook, error)
	// Webhook returns one webhook. ENOTFOUND.
	Webhook(ctx context.Context, id string) (*Webhook, error)
	// DeleteWebhook removes the webhook and its deliveries. ENOTFOUND.
	DeleteWebhook(ctx context.Context, id string) error
	// ResetWebhook sets the cursor, clears the failure state and makes the
	// webhook due at once (replay, resume). ENOTFOUND.
	ResetWebhook(ctx context.Context, id string, cursor int64) error
	// LeaseWebhook gives owner the right to deliver for the webhook until
	// until, when it is due at now and not leased by another owner (or that
	// lease expired); it returns the webhook, or nil when it is not to be taken.
	LeaseWebhook(ctx context.Context, id, owner string, now, until time.Time) (*Webhook, error)
	// RecordDeliveries stores the attempts ds and w's delivery state (Cursor,
	// Attempts, NextAttempt, FailingSince, Failed, LastError) in one
	// transaction, when owner still holds the lease (EPRECONDITION otherwise),
	// and renews the lease until until.
	RecordDeliveries(ctx context.Context, owner string, w *Webhook, ds []*Delivery, until time.Time) error
	// ReleaseWebhook ends owner's lease.
	ReleaseWebhook(ctx context.Context, id, owner string) error
	// ReplaceWebhookSecret stores secret as the webhook's secret when it is
	// still old, and reports whether it did (false: it changed meanwhile, or
	// the webhook is gone). Sealing a secret stored as it is uses it.
	ReplaceWebhookSecret(ctx context.Context, id, old, secret string) (bool, error)
	// Deliveries returns the webhook's recent attempts, newest first.
	Deliveries(ctx context.Context, webhookID string, limit int) ([]*Delivery, error)
}
