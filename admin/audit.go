package admin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster"
)

// Actor is who performs an operation: its kind ("cli", "server", and for
// the console "operator"), its name within the kind, and the client address
// it came from when known.
type Actor struct {
	Kind   string
	Name   string
	Source string
}

// String is the actor as the audit trail stores it, "kind:name".
func (a Actor) String() string { return a.Kind + ":" + a.Name }

type actorKey struct{}

// WithActor returns ctx carrying the actor of the operations called with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// actorOf returns the actor WithActor put in ctx, or an unknown one.
func actorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: "unknown", Name: "-"}
}

// Bounds of an audit query.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 1000
)

// Audit returns the audit trail, newest first: of the tenant named by id or
// name when tenant is not "" (a deleted tenant's rows too), at most limit
// rows (0: DefaultAuditLimit). EINVALID for a limit out of 0..MaxAuditLimit.
func (s *Service) Audit(ctx context.Context, tenant string, limit int) ([]*roster.AuditEntry, error) {
	if limit < 0 || limit > MaxAuditLimit {
		return nil, roster.Errorf(roster.EINVALID, "audit limit %d: want 1 to %d", limit, MaxAuditLimit)
	}
	if limit == 0 {
		limit = DefaultAuditLimit
	}
	return s.store.Audit(ctx, roster.AuditQuery{Tenant: tenant, Limit: limit})
}

// change is what an audit row says an action changed.
type change struct {
	action string
	tenant *roster.Tenant // nil for an action on no tenant
	target string
	before any // nil for none; never a secret
	after  any
}

// audit writes the row of an action that succeeded, right after it: the
// stores' writes are not shared with the audit row's transaction. A failure
// is returned (the change stands) so that the operator knows the trail lacks it.
func (s *Service) audit(ctx context.Context, c change) error {
	a := actorOf(ctx)
	e := &roster.AuditEntry{Time: s.now().UTC(), Actor: a.String(), Source: a.Source, Action: c.action, Target: c.target}
	if c.tenant != nil {
		e.TenantID, e.Tenant = c.tenant.ID, c.tenant.Name
	}
	var err error
	if e.Before, err = asJSON(c.before); err != nil {
		return err
	}
	if e.After, err = asJSON(c.after); err != nil {
		return err
	}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit row not written", "action", c.action, "tenant_id", e.TenantID, "target", c.target, "err", err)
		return fmt.Errorf("%s done, but its audit row was not written: %w", c.action, err)
	}
	return nil
}

func asJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return b, nil
}

// tenantState is what the audit trail records of a tenant's settings.
type tenantState struct {
	Name         string                `json:"name"`
	DisplayName  string                `json:"display_name,omitempty"`
	Disabled     bool                  `json:"disabled,omitempty"`
	Organization string                `json:"organization,omitempty"`
	Domains      []string              `json:"domains,omitempty"`
	Settings     roster.TenantSettings `json:"settings"`
}

func stateOf(t *roster.Tenant) tenantState {
	return tenantState{Name: t.Name, DisplayName: t.DisplayName, Disabled: t.Disabled, Organization: t.Organization, Settings: t.Settings}
}

// tokenState is what the audit trail records of a token: never its secret
// or hash, only its prefix.
type tokenState struct {
	ID      string `json:"id"`
	Prefix  string `json:"prefix"`
	Name    string `json:"name,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Expires string `json:"expires,omitempty"`
}

func tokenStateOf(k *roster.Token) tokenState {
	st := tokenState{ID: k.ID, Prefix: k.Prefix, Name: k.Name, Kind: k.Kind}
	if !k.Expires.IsZero() {
		st.Expires = k.Expires.UTC().Format("2006-01-02T15:04:05Z")
	}
	return st
}
