package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// PolicyTrial is what a policy makes of a user document, as a SCIM create
// would, with nothing written.
type PolicyTrial struct {
	// Version is the version of the policy applied; 0 for the default, or
	// for a document tried (PolicyTry.Doc).
	Version int64
	// UserID is the existing user tried (PolicyTry.UserRef); "" for a document.
	UserID string
	// Stored is the document as Roster would store it (an existing user's:
	// as it is stored); nil when the schema refuses the document sent.
	Stored map[string]any
	// App is the Roster extension the user would read back with: entitlements
	// and resolved folders.
	App map[string]any
	// Unique holds the values the policy makes unique; Warnings the problems
	// it lets through (an unknown folder kept as sent).
	Unique   map[string]string
	Warnings []string
	// Refusal, set by TryPolicyWith only, is why the policy refuses the user:
	// the error of the refused create (EINVALID and the other codes of the
	// schema and the policy, naming the attribute). App, Unique and Warnings
	// are then empty.
	Refusal error
}

// TryPolicy applies the policy of the tenant named by id or name to user, a
// SCIM User document, and says what Roster would store, writing nothing.
// ENOTFOUND; EINVALID and the other codes of a refused create, wrapped in
// "refused: "; a stored policy that no longer parses is wrapped in "the stored policy: ".
func (s *Service) TryPolicy(ctx context.Context, tenant string, user map[string]any) (*PolicyTrial, error) {
	tr, err := s.TryPolicyWith(ctx, tenant, PolicyTry{User: user})
	if err != nil {
		return nil, err
	}
	if tr.Refusal != nil {
		return nil, fmt.Errorf("refused: %w", tr.Refusal)
	}
	return tr, nil
}

// PolicyTry says which policy TryPolicyWith applies, and to which user.
type PolicyTry struct {
	// Doc, when not nil, is a policy document applied in place of the
	// tenant's policy, validated as SetPolicy validates one and stored nowhere.
	Doc []byte
	// User is a SCIM User document, as an IdP would send it to create a user.
	User map[string]any
	// UserRef, in place of User, names a live user of the tenant (its id,
	// else its userName in any case): the policy is applied to its stored
	// document, as it is to the existing users when a policy is set.
	UserRef string
}

// TryPolicyWith applies a policy (try.Doc, else the policy in force of the
// tenant named by id or name) to a user (try.User, else the tenant's user
// try.UserRef, a document read as the tenant's directory sends it, see
// policy.Policy.Normalize) and says what Roster would make of it, writing nothing. A
// refusal is part of the trial (PolicyTrial.Refusal), not an error. ENOTFOUND
// when there is no such tenant or user; EINVALID for a try.Doc that is not a
// valid policy (the error names the field, as SetPolicy's does), or without
// one user, or with two; a stored policy that no longer parses is wrapped in
// "the stored policy: ".
func (s *Service) TryPolicyWith(ctx context.Context, tenant string, try PolicyTry) (*PolicyTrial, error) {
	if (try.User == nil) == (try.UserRef == "") {
		return nil, roster.Errorf(roster.EINVALID, "a policy is tried on a user document or on an existing user: give one of the two")
	}
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	p, version, err := s.trialPolicy(ctx, t, try.Doc)
	if err != nil {
		return nil, err
	}
	folders, err := s.store.Folders(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	fs := policy.NewFolderIndex(folders)
	tr := &PolicyTrial{Version: version}
	if try.User == nil {
		_, u, err := s.user(ctx, t.ID, try.UserRef)
		if err != nil {
			return nil, err
		}
		tr.UserID, tr.Stored = u.ID, u.Doc
		tr.apply(p, fs)
		return tr, nil
	}
	tr.Stored, err = p.Normalize(t.Settings.Directory, "User", try.User, nil, schema.Create)
	if err != nil {
		tr.Refusal = schemaRefusal(err)
		return tr, nil
	}
	tr.apply(p, fs)
	return tr, nil
}

// schemaRefusal is the roster error of a document the schema refuses, with
// the code the SCIM API answers it with and the attribute at fault.
func schemaRefusal(err error) error {
	var se *schema.Error
	if !errors.As(err, &se) {
		return err
	}
	code := roster.EINVALID
	switch se.ScimType {
	case "invalidSyntax":
		code = roster.EINVALIDSYNTAX
	case "mutability":
		code = roster.EMUTABILITY
	}
	return &roster.Error{Code: code, Attr: se.Attr, Detail: se.Error()}
}

// trialPolicy returns the policy doc holds, or t's policy in force when doc
// is nil, and its version (0 for doc).
func (s *Service) trialPolicy(ctx context.Context, t *roster.Tenant, doc []byte) (*policy.Policy, int64, error) {
	if doc != nil {
		p, err := policy.Parse(doc)
		return p, 0, err
	}
	sp, err := s.store.Policy(ctx, t.ID)
	if err != nil {
		return nil, 0, err
	}
	p, err := policy.Load(sp)
	if err != nil {
		return nil, 0, fmt.Errorf("the stored policy: %w", err)
	}
	return p, sp.Version, nil
}

// apply applies p to tr.Stored, filling what the policy derives or its refusal.
func (tr *PolicyTrial) apply(p *policy.Policy, fs *policy.FolderIndex) {
	o, err := p.User(tr.Stored, fs)
	if err != nil {
		tr.Refusal = err
		return
	}
	u := &roster.User{Doc: tr.Stored, Entitlements: o.Entitlements}
	tr.App, tr.Unique, tr.Warnings = p.Extension(u, fs), o.Unique, o.Warnings
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
