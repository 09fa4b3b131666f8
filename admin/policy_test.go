package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// newPolicyService returns a Service over a new SQLite store with tenant "acme",
// and a context acting as ada on the command line.
func newPolicyService(t *testing.T) (*admin.Service, *sqlite.DB, context.Context) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, testdb.SQLitePath(t), sqlite.Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := admin.New(db, testdb.Clock(), slog.New(slog.DiscardHandler))
	ctx = admin.WithActor(ctx, admin.Actor{Kind: "cli", Name: "ada@host"})
	if _, err := svc.CreateTenant(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	return svc, db, ctx
}

// policyAuditRows returns the tenant's audit rows of action, oldest first, as
// "before → after" with the JSON compact.
func policyAuditRows(t *testing.T, svc *admin.Service, ctx context.Context, action string) []string {
	t.Helper()
	es, err := svc.Audit(ctx, "acme", admin.MaxAuditLimit)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for i := len(es) - 1; i >= 0; i-- {
		if e := es[i]; e.Action == action {
			rows = append(rows, fmt.Sprintf("%s %s %s → %s", e.Actor, e.Target, compact(e.Before), compact(e.After)))
		}
	}
	return rows
}

func compact(doc json.RawMessage) string {
	if doc == nil {
		return "-"
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return "not JSON: " + string(doc)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

const (
	policy1 = `{"format": 1, "roles": [{"value": "Admin", "effect": "accessRole"}]}`
	policy2 = `{"format":1,"roles":[{"value":"User","effect":"accessRole"}]}`
)

// TestPolicyVersions sets policies, reads their versions, and rolls back: every
// set is a version saying who set it, every change an audit row with the
// documents before and after, and a rollback sets an old document again as a
// new version.
func TestPolicyVersions(t *testing.T) {
	svc, _, ctx := newPolicyService(t)

	dry, err := svc.SetPolicy(ctx, "acme", []byte(policy1), admin.PolicySet{DryRun: true})
	if err != nil || dry.Version != 0 || dry.Impact == nil || dry.Before.Version != 0 {
		t.Fatalf("SetPolicy(dry run) = %+v, %v; want no version, an impact", dry, err)
	}
	if _, err := svc.SetPolicy(ctx, "acme", []byte(`{"format":1,"roles":[{"value":"x","effect":"licence"}]}`), admin.PolicySet{}); roster.ErrorCode(err) != roster.EINVALID ||
		!strings.Contains(err.Error(), "roles[0].effect") {
		t.Errorf("SetPolicy(bad effect) = %v, want EINVALID naming roles[0].effect", err)
	}
	if _, ps, err := svc.PolicyVersions(ctx, "acme", 0, 0); err != nil || len(ps) != 0 {
		t.Fatalf("PolicyVersions after a dry run and a refusal = %v, %v; want none", ps, err)
	}

	for i, doc := range []string{policy1, policy2} {
		ch, err := svc.SetPolicy(ctx, "acme", []byte(doc), admin.PolicySet{IfVersion: int64(i)})
		if err != nil || ch.Version != int64(i+1) || ch.Before.Version != int64(i) {
			t.Fatalf("SetPolicy(%s) = %+v, %v; want version %d", doc, ch, err, i+1)
		}
	}
	if _, err := svc.SetPolicy(ctx, "acme", []byte(policy1), admin.PolicySet{IfVersion: 1}); roster.ErrorCode(err) != roster.EPRECONDITION {
		t.Errorf("SetPolicy(if version 1, at 2) = %v, want EPRECONDITION", err)
	}

	ch, err := svc.RollbackPolicy(ctx, "acme", 1)
	if err != nil || ch.Version != 3 || ch.Before.Version != 2 {
		t.Fatalf("RollbackPolicy(1) = %+v, %v; want version 3 replacing 2", ch, err)
	}
	tp, err := svc.Policy(ctx, "acme")
	if err != nil || tp.Policy.Version != 3 || compact(tp.Policy.Doc) != compact(json.RawMessage(policy1)) || tp.Policy.SetBy != "cli:ada@host" {
		t.Errorf("Policy after the rollback = %+v, %v; want version 3 holding version 1's document, set by cli:ada@host", tp.Policy, err)
	}
	for _, c := range []struct {
		version int64
		code    string
	}{{0, roster.EINVALID}, {-1, roster.EINVALID}, {4, roster.ENOTFOUND}} {
		if _, err := svc.RollbackPolicy(ctx, "acme", c.version); roster.ErrorCode(err) != c.code {
			t.Errorf("RollbackPolicy(%d) = %v, want %s", c.version, err, c.code)
		}
	}
	if _, err := svc.RollbackPolicy(ctx, "nobody", 1); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RollbackPolicy(unknown tenant) = %v, want ENOTFOUND", err)
	}

	_, ps, err := svc.PolicyVersions(ctx, "acme", 0, 2)
	if err != nil || len(ps) != 2 || ps[0].Version != 3 || ps[1].Version != 2 {
		t.Fatalf("PolicyVersions(limit 2) = %v, %v; want 3, 2", ps, err)
	}
	if _, ps, err := svc.PolicyVersions(ctx, "acme", 2, 0); err != nil || len(ps) != 1 || ps[0].Version != 1 || ps[0].SetBy != "cli:ada@host" {
		t.Errorf("PolicyVersions(before 2) = %v, %v; want version 1, set by cli:ada@host", ps, err)
	}
	for _, limit := range []int{-1, admin.MaxPolicyVersions + 1} {
		if _, _, err := svc.PolicyVersions(ctx, "acme", 0, limit); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("PolicyVersions(limit %d) = %v, want EINVALID", limit, err)
		}
	}
	if _, p, err := svc.PolicyVersion(ctx, "acme", 2); err != nil || compact(p.Doc) != compact(json.RawMessage(policy2)) {
		t.Errorf("PolicyVersion(2) = %v, %v", p, err)
	}

	one, two := compact(json.RawMessage(policy1)), compact(json.RawMessage(policy2))
	want := []string{
		`cli:ada@host  - → {"doc":` + one + `,"version":1}`,
		`cli:ada@host  {"doc":` + one + `,"version":1} → {"doc":` + two + `,"version":2}`,
	}
	if got := policyAuditRows(t, svc, ctx, "policy.set"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("policy.set audit rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	want = []string{`cli:ada@host  {"doc":` + two + `,"version":2} → {"doc":` + one + `,"rollback_of":1,"version":3}`}
	if got := policyAuditRows(t, svc, ctx, "policy.rollback"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("policy.rollback audit rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPolicyAuditLarge checks that a policy too large for an audit row is
// recorded there by its version only.
func TestPolicyAuditLarge(t *testing.T) {
	svc, _, ctx := newPolicyService(t)
	var roles []string
	for i := range 300 {
		roles = append(roles, fmt.Sprintf(`{"value":"role-%03d","effect":"accessRole"}`, i))
	}
	big := `{"format":1,"roles":[` + strings.Join(roles, ",") + `]}`
	if _, err := svc.SetPolicy(ctx, "acme", []byte(big), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPolicy(ctx, "acme", []byte(policy1), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`cli:ada@host  - → {"version":1}`,
		`cli:ada@host  {"version":1} → {"doc":` + compact(json.RawMessage(policy1)) + `,"version":2}`,
	}
	if got := policyAuditRows(t, svc, ctx, "policy.set"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("policy.set audit rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFolders creates, updates and deletes folders, each change audited with
// the folder before and after.
func TestFolders(t *testing.T) {
	svc, _, ctx := newPolicyService(t)
	if _, err := svc.CreateFolder(ctx, "acme", roster.Folder{ExternalID: "x"}); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("CreateFolder(no name) = %v, want EINVALID", err)
	}
	f, err := svc.CreateFolder(ctx, "acme", roster.Folder{ID: "f-legal", Name: "Legal", ExternalID: "LEGAL"})
	if err != nil || f.ID != "f-legal" {
		t.Fatalf("CreateFolder = %+v, %v", f, err)
	}
	if _, err := svc.CreateFolder(ctx, "acme", roster.Folder{Name: "Other", ExternalID: "legal"}); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Errorf("CreateFolder(external id taken in another case) = %v, want ECONFLICT", err)
	}
	name := "Legal EU"
	if f, err = svc.UpdateFolder(ctx, "acme", "f-legal", admin.FolderUpdate{Name: &name}); err != nil || f.Name != name || f.ExternalID != "LEGAL" {
		t.Errorf("UpdateFolder(name) = %+v, %v; want the name changed, the external id kept", f, err)
	}
	if _, err := svc.UpdateFolder(ctx, "acme", "f-none", admin.FolderUpdate{Name: &name}); roster.ErrorCode(err) != roster.ENOTFOUND ||
		err.Error() != `folder update: no folder "f-none"` {
		t.Errorf("UpdateFolder(unknown) = %v", err)
	}
	if err := svc.DeleteFolder(ctx, "acme", "f-none"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("DeleteFolder(unknown) = %v, want ENOTFOUND", err)
	}
	if err := svc.DeleteFolder(ctx, "acme", "f-legal"); err != nil {
		t.Fatal(err)
	}
	if _, fs, err := svc.Folders(ctx, "acme"); err != nil || len(fs) != 0 {
		t.Errorf("Folders after the delete = %v, %v", fs, err)
	}
	for action, want := range map[string]string{
		"folder.create": `cli:ada@host f-legal - → {"external_id":"LEGAL","id":"f-legal","name":"Legal"}`,
		"folder.update": `cli:ada@host f-legal {"external_id":"LEGAL","id":"f-legal","name":"Legal"} → {"external_id":"LEGAL","id":"f-legal","name":"Legal EU"}`,
		"folder.delete": `cli:ada@host f-legal {"external_id":"LEGAL","id":"f-legal","name":"Legal EU"} → -`,
	} {
		if got := policyAuditRows(t, svc, ctx, action); len(got) != 1 || got[0] != want {
			t.Errorf("%s audit rows: %q, want %q", action, got, want)
		}
	}
}

// TestTryPolicyWith tries a policy document not stored, and the policy in
// force, on a user document and on an existing user: a refusal is part of
// the trial; a document that is not a policy is refused naming its field.
func TestTryPolicyWith(t *testing.T) {
	svc, db, ctx := newPolicyService(t)
	acme, err := svc.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"userName": "ada@acme.example", "roles": []any{map[string]any{"value": "Admin"}}}
	ada := &roster.User{UserName: "ada@acme.example", Active: true, Doc: doc, Entitlements: roster.Entitlements{Active: true}}
	if err := db.CreateUser(ctx, acme.ID, ada); err != nil {
		t.Fatal(err)
	}
	sent := map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "bo@acme.example", "roles": []any{map[string]any{"value": "User"}}}
	required := `{"format":1,"required":["name.givenName"]}`

	for _, c := range []struct {
		name string
		try  admin.PolicyTry
		// want is the access role granted, or the refused attribute after "refused ".
		want string
	}{
		{"in force (the default) on a document", admin.PolicyTry{User: sent}, ""},
		{"a draft on a document", admin.PolicyTry{Doc: []byte(policy2), User: sent}, "User"},
		{"a draft on a user by userName", admin.PolicyTry{Doc: []byte(policy1), UserRef: "ADA@acme.example"}, "Admin"},
		{"a draft on a user by id", admin.PolicyTry{Doc: []byte(policy1), UserRef: ada.ID}, "Admin"},
		{"a draft refusing a document", admin.PolicyTry{Doc: []byte(required), User: sent}, "refused name.givenName"},
		{"a draft refusing a user", admin.PolicyTry{Doc: []byte(required), UserRef: ada.ID}, "refused name.givenName"},
		{"the schema refusing a document", admin.PolicyTry{User: map[string]any{"userName": "x", "shoeSize": 42}}, "refused shoeSize"},
	} {
		tr, err := svc.TryPolicyWith(ctx, "acme", c.try)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := ""
		var re *roster.Error
		switch {
		case errors.As(tr.Refusal, &re):
			got = "refused " + re.Attr
		case tr.Refusal != nil:
			got = "refused without a roster error: " + tr.Refusal.Error()
		default:
			got, _ = tr.App["accessRole"].(string)
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q (%+v)", c.name, got, c.want, tr)
		}
		if c.try.UserRef != "" && (tr.UserID != ada.ID || tr.Stored["userName"] != "ada@acme.example") {
			t.Errorf("%s: tried user %q, document %v", c.name, tr.UserID, tr.Stored)
		}
	}

	for _, c := range []struct {
		name string
		try  admin.PolicyTry
		code string
	}{
		{"a draft that is not a policy", admin.PolicyTry{Doc: []byte(`{"format":1,"roles":[{"value":"x","effect":"licence"}]}`), User: sent}, roster.EINVALID},
		{"no user", admin.PolicyTry{Doc: []byte(policy1)}, roster.EINVALID},
		{"two users", admin.PolicyTry{User: sent, UserRef: ada.ID}, roster.EINVALID},
		{"an unknown user", admin.PolicyTry{UserRef: "nobody"}, roster.ENOTFOUND},
	} {
		if _, err := svc.TryPolicyWith(ctx, "acme", c.try); roster.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	_, err = svc.TryPolicyWith(ctx, "acme", admin.PolicyTry{Doc: []byte(`{"format":1,"roles":[{"value":"x","effect":"licence"}]}`), User: sent})
	if re := (*roster.Error)(nil); !errors.As(err, &re) || re.Attr != "roles[0].effect" {
		t.Errorf("a draft with a bad effect: %v, want an error naming roles[0].effect", err)
	}
	if _, err := svc.TryPolicy(ctx, "acme", map[string]any{"userName": "x", "shoeSize": 42}); roster.ErrorCode(err) != roster.EINVALIDSYNTAX || !strings.HasPrefix(err.Error(), "refused: ") {
		t.Errorf("TryPolicy(unknown attribute) = %v, want EINVALIDSYNTAX (as the SCIM API answers), refused", err)
	}
	if _, err := svc.SetPolicy(ctx, "acme", []byte(policy1), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	if tr, err := svc.TryPolicyWith(ctx, "acme", admin.PolicyTry{UserRef: ada.ID}); err != nil || tr.Version != 1 || tr.App["accessRole"] != "Admin" {
		t.Errorf("the policy in force on ada = %+v, %v; want version 1 granting Admin", tr, err)
	}
}
