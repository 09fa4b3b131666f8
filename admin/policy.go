package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/scim/schema"
)

// ImpactExamples is how many users of each kind a policy's impact names.
const ImpactExamples = 5

// Bounds of a query of a tenant's policy versions.
const (
	DefaultPolicyVersions = 20
	MaxPolicyVersions     = 100
)

// maxAuditPolicy is the largest policy document an audit row holds. A larger
// one is recorded by its version alone: the versions keep every document.
const maxAuditPolicy = 8 << 10

// TenantPolicy is a tenant's policy in force, and how far the recomputation
// of its users under it got.
type TenantPolicy struct {
	Tenant *roster.Tenant
	// Policy is the newest policy set. Version 0 when none was: Doc is then
	// the default policy's document, indented.
	Policy *roster.Policy
	// Recompute is the latest recomputation; nil when none was started.
	Recompute *roster.Recompute
}

// Policy returns the policy in force of the tenant named by id or name.
// ENOTFOUND.
func (s *Service) Policy(ctx context.Context, tenant string) (*TenantPolicy, error) {
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	p, err := s.store.Policy(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	tp := &TenantPolicy{Tenant: t, Policy: p}
	if p.Version == 0 {
		p.Doc = policy.Default().JSON()
		return tp, nil
	}
	tp.Recompute, err = s.store.Recompute(ctx, t.ID)
	switch roster.ErrorCode(err) {
	case "", roster.ENOTFOUND: // none started since Roster keeps them
		return tp, nil
	}
	return nil, err
}

// PolicySet says how SetPolicy stores a document.
type PolicySet struct {
	// IfVersion, when not 0, is the version the tenant's policy must be at;
	// at another, EPRECONDITION and nothing is stored.
	IfVersion int64
	// DryRun works out what the policy does, and stores nothing.
	DryRun bool
}

// PolicyChange is what SetPolicy or RollbackPolicy did.
type PolicyChange struct {
	Tenant *roster.Tenant
	// Before is the policy replaced (Version 0: none was set).
	Before *roster.Policy
	// Version is the version stored; 0 for a dry run.
	Version int64
	// Doc is the document stored (or, in a dry run, that would be): compact.
	Doc json.RawMessage
	// Impact is what the policy does to the tenant's existing users.
	Impact *policy.Impact
}

// SetPolicy validates doc as a policy (policy.Parse), works out what it does
// to the existing users of the tenant named by id or name, and, unless
// opts.DryRun, stores it as the tenant's next version, recording who set it:
// running servers apply it within their config refresh and recompute the
// users' entitlements. ENOTFOUND; EINVALID for a document that is not a
// valid policy (the error names the field); EPRECONDITION (opts.IfVersion).
func (s *Service) SetPolicy(ctx context.Context, tenant string, doc []byte, opts PolicySet) (*PolicyChange, error) {
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return s.setPolicy(ctx, t, doc, opts, 0)
}

// RollbackPolicy sets the tenant's policy of version again, as its next
// version: validated, applied and recorded as SetPolicy does, and audited
// "policy.rollback". ENOTFOUND when the tenant or the version does not exist;
// EINVALID for a version below 1, or a document this Roster no longer accepts.
func (s *Service) RollbackPolicy(ctx context.Context, tenant string, version int64) (*PolicyChange, error) {
	if version < 1 {
		return nil, roster.Errorf(roster.EINVALID, "policy version %d: versions count from 1", version)
	}
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	old, err := s.store.PolicyVersion(ctx, t.ID, version)
	if err != nil {
		return nil, err
	}
	return s.setPolicy(ctx, t, old.Doc, PolicySet{}, version)
}

// setPolicy sets doc as t's policy; rollbackOf is the version it restores, 0
// for a new document.
func (s *Service) setPolicy(ctx context.Context, t *roster.Tenant, doc []byte, opts PolicySet, rollbackOf int64) (*PolicyChange, error) {
	p, err := policy.Parse(doc)
	if err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		return nil, fmt.Errorf("policy: %w", err) // Parse took it: one JSON value
	}
	im, err := p.Impact(ctx, s.store, t.ID, ImpactExamples)
	if err != nil {
		return nil, fmt.Errorf("existing users: %w", err)
	}
	before, err := s.store.Policy(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	ch := &PolicyChange{Tenant: t, Before: before, Doc: compact.Bytes(), Impact: im}
	if opts.DryRun {
		return ch, nil
	}
	ch.Version, err = s.store.SetPolicy(ctx, t.ID, ch.Doc, opts.IfVersion, actorOf(ctx).String())
	if err != nil {
		return nil, err
	}
	action, after := "policy.set", policyStateOf(&roster.Policy{Version: ch.Version, Doc: ch.Doc})
	if rollbackOf != 0 {
		action, after.RollbackOf = "policy.rollback", rollbackOf
	}
	c := change{action: action, tenant: t, after: after}
	if before.Version != 0 {
		c.before = policyStateOf(before)
	}
	return ch, s.audit(ctx, c)
}

// PolicyVersions returns the policies set for the tenant named by id or name,
// newest first: those older than version before when it is not 0, at most
// limit (0: DefaultPolicyVersions). ENOTFOUND; EINVALID for a limit out of
// 0..MaxPolicyVersions or a negative before.
func (s *Service) PolicyVersions(ctx context.Context, tenant string, before int64, limit int) (*roster.Tenant, []*roster.Policy, error) {
	if limit < 0 || limit > MaxPolicyVersions {
		return nil, nil, roster.Errorf(roster.EINVALID, "policy versions limit %d: want 1 to %d", limit, MaxPolicyVersions)
	}
	if before < 0 {
		return nil, nil, roster.Errorf(roster.EINVALID, "policy versions before %d: want a version, or 0 for the newest", before)
	}
	if limit == 0 {
		limit = DefaultPolicyVersions
	}
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	ps, err := s.store.PolicyVersions(ctx, t.ID, roster.PolicyVersionQuery{Before: before, Limit: limit})
	if err != nil {
		return nil, nil, err
	}
	return t, ps, nil
}

// PolicyVersion returns version of the policy of the tenant named by id or
// name. ENOTFOUND when the tenant or the version does not exist.
func (s *Service) PolicyVersion(ctx context.Context, tenant string, version int64) (*roster.Tenant, *roster.Policy, error) {
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.PolicyVersion(ctx, t.ID, version)
	if err != nil {
		return nil, nil, err
	}
	return t, p, nil
}

// PolicyDiff returns the lines that differ between two policy documents, each
// indented as roster policy get prints it, as a unified diff from before to
// after ("-" for a line of before only, "+" of after only, " " for context,
// "@@" heading each hunk); "" when they read the same. An empty document has
// no lines. EINVALID when either is not JSON.
func PolicyDiff(before, after []byte) (string, error) {
	a, err := indentedLines(before)
	if err != nil {
		return "", roster.Errorf(roster.EINVALID, "policy diff: the old document is not JSON")
	}
	b, err := indentedLines(after)
	if err != nil {
		return "", roster.Errorf(roster.EINVALID, "policy diff: the new document is not JSON")
	}
	return unified(a, b, diffContext), nil
}

// diffContext is how many unchanged lines PolicyDiff shows around a change.
const diffContext = 3

// indentedLines indents a JSON document by two spaces and splits it in lines.
func indentedLines(doc []byte) ([]string, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	if err := json.Indent(&b, doc, "", "  "); err != nil {
		return nil, err
	}
	return splitLines(b.String()), nil
}

// PolicyTrial is what a tenant's policy makes of a user document, as a SCIM
// create would, with nothing written.
type PolicyTrial struct {
	// Version is the version of the policy applied; 0 for the default.
	Version int64
	// Stored is the document as Roster would store it.
	Stored map[string]any
	// App is the Roster extension the user would read back with: entitlements
	// and resolved folders.
	App map[string]any
	// Unique holds the values the policy makes unique; Warnings the problems
	// it lets through (an unknown folder kept as sent).
	Unique   map[string]string
	Warnings []string
}

// TryPolicy applies the policy of the tenant named by id or name to user, a
// SCIM User document, and says what Roster would store, writing nothing.
// ENOTFOUND; EINVALID and the other codes of a refused create, wrapped in
// "refused: "; a stored policy that no longer parses is wrapped in "the stored policy: ".
func (s *Service) TryPolicy(ctx context.Context, tenant string, user map[string]any) (*PolicyTrial, error) {
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	sp, err := s.store.Policy(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	p, err := policy.Load(sp)
	if err != nil {
		return nil, fmt.Errorf("the stored policy: %w", err)
	}
	folders, err := s.store.Folders(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	doc, err := p.Registry().Normalize("User", user, nil, schema.Options{Mode: schema.Create, Unknown: p.Unknown()})
	if err != nil {
		return nil, fmt.Errorf("refused: %w", err)
	}
	fs := policy.NewFolderIndex(folders)
	o, err := p.User(doc, fs)
	if err != nil {
		return nil, fmt.Errorf("refused: %w", err)
	}
	u := &roster.User{Doc: doc, Entitlements: o.Entitlements}
	return &PolicyTrial{Version: sp.Version, Stored: doc, App: p.Extension(u, fs), Unique: o.Unique, Warnings: o.Warnings}, nil
}

// policyState is what the audit trail records of a policy: its version, and
// its document unless it is larger than maxAuditPolicy.
type policyState struct {
	Version    int64           `json:"version"`
	Doc        json.RawMessage `json:"doc,omitempty"`
	RollbackOf int64           `json:"rollback_of,omitempty"`
}

func policyStateOf(p *roster.Policy) policyState {
	st := policyState{Version: p.Version}
	if len(p.Doc) <= maxAuditPolicy {
		st.Doc = p.Doc
	}
	return st
}
