package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
)

func testUserCRUD(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := newUser(userSpec{userName: "alice@example.com", displayName: "Alice", externalID: "ext-1",
		emails:     []roster.Email{{Value: "alice@example.com", Type: "work", Primary: true}, {Value: "a@home.org", Type: "home"}},
		department: "Engineering", folders: []string{"HR"}, level: 3})
	if err := s.CreateUser(ctx, tn.ID, u); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	if u.ID == "" || u.Version != 1 || u.Created.IsZero() || !u.Modified.Equal(u.Created) {
		t.Fatalf("CreateUser filled ID %q, Version %d, Created %v, Modified %v", u.ID, u.Version, u.Created, u.Modified)
	}
	got, err := s.User(ctx, tn.ID, u.ID)
	if err != nil {
		t.Fatalf("User = %v", err)
	}
	checkUser(t, "User after create", u, got)

	u.UserName = "Alice.Anders@example.com"
	u.Doc["userName"] = u.UserName
	u.Emails = []roster.Email{{Value: "alice.anders@example.com", Type: "work", Primary: true}}
	u.Doc["emails"] = []any{map[string]any{"value": "alice.anders@example.com", "type": "work", "primary": true}}
	if err := s.ReplaceUser(ctx, tn.ID, u, 1); err != nil {
		t.Fatalf("ReplaceUser = %v", err)
	}
	if u.Version != 2 || !u.Modified.After(u.Created) {
		t.Fatalf("ReplaceUser left Version %d, Created %v, Modified %v", u.Version, u.Created, u.Modified)
	}
	got, err = s.User(ctx, tn.ID, u.ID)
	if err != nil {
		t.Fatalf("User = %v", err)
	}
	checkUser(t, "User after replace", u, got)

	// A caller-chosen id is kept.
	fixed := newUser(userSpec{userName: "fixed"})
	fixed.ID = "2819c223-7f76-453a-919d-413861904646"
	if err := s.CreateUser(ctx, tn.ID, fixed); err != nil || fixed.ID != "2819c223-7f76-453a-919d-413861904646" {
		t.Fatalf("CreateUser(with id) = %v, ID %q", err, fixed.ID)
	}
	dup := newUser(userSpec{userName: "other"})
	dup.ID = fixed.ID
	wantCode(t, "CreateUser(taken id)", s.CreateUser(ctx, tn.ID, dup), roster.ECONFLICT)

	if err := s.DeleteUser(ctx, tn.ID, u.ID, 2); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	_, err = s.User(ctx, tn.ID, u.ID)
	wantCode(t, "User(deleted)", err, roster.ENOTFOUND)
	wantCode(t, "DeleteUser(deleted)", s.DeleteUser(ctx, tn.ID, u.ID, 0), roster.ENOTFOUND)
	missing := newUser(userSpec{userName: "ghost"})
	missing.ID = u.ID
	wantCode(t, "ReplaceUser(deleted)", s.ReplaceUser(ctx, tn.ID, missing, 0), roster.ENOTFOUND)
	_, err = s.User(ctx, tn.ID, "")
	wantCode(t, `User("")`, err, roster.ENOTFOUND)
}

// checkUser compares a user read back with the one written.
func checkUser(t *testing.T, what string, want, got *roster.User) {
	t.Helper()
	if got.ID != want.ID || got.UserName != want.UserName || got.ExternalID != want.ExternalID ||
		got.DisplayName != want.DisplayName || got.Active != want.Active || got.Version != want.Version {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
	if !got.Created.Equal(want.Created) || !got.Modified.Equal(want.Modified) {
		t.Errorf("%s: Created, Modified = %v, %v, want %v, %v", what, got.Created, got.Modified, want.Created, want.Modified)
	}
	if diff := cmp.Diff(normal(t, want.Doc), normal(t, got.Doc)); diff != "" {
		t.Errorf("%s: Doc mismatch (-want +got):\n%s", what, diff)
	}
	if diff := cmp.Diff(want.Emails, got.Emails); diff != "" {
		t.Errorf("%s: Emails mismatch (-want +got):\n%s", what, diff)
	}
}

func testUserNameUnique(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, userSpec{userName: "alice@example.com"})
	bob := mustUser(t, s, tn.ID, userSpec{userName: "bob@example.com"})

	err := s.CreateUser(ctx, tn.ID, newUser(userSpec{userName: "ALICE@Example.com"}))
	wantCode(t, "CreateUser(same userName, other case)", err, roster.ECONFLICT)
	if d := roster.ErrorDetail(err); !strings.Contains(d, "userName") {
		t.Errorf("CreateUser conflict detail = %q, want it to name userName", d)
	}

	taken := newUser(userSpec{userName: "Alice@example.com"})
	taken.ID = bob.ID
	wantCode(t, "ReplaceUser(to a taken userName)", s.ReplaceUser(ctx, tn.ID, taken, 0), roster.ECONFLICT)

	// A user may change the case of its own userName.
	own := newUser(userSpec{userName: "BOB@example.com"})
	own.ID = bob.ID
	if err := s.ReplaceUser(ctx, tn.ID, own, 0); err != nil {
		t.Fatalf("ReplaceUser(own userName, other case) = %v", err)
	}
	// Another tenant has its own namespace.
	other := mustTenant(t, s, "other")
	mustUser(t, s, other.ID, userSpec{userName: "alice@example.com"})
	wantCode(t, "CreateUser(no userName)", s.CreateUser(ctx, tn.ID, &roster.User{}), roster.EINVALID)
}

func testUserNameConcurrent(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := "carol@example.com"
			if i%2 == 1 {
				name = "Carol@Example.com"
			}
			errs[i] = s.CreateUser(ctx, tn.ID, newUser(userSpec{userName: name, externalID: fmt.Sprint(i)}))
		})
	}
	wg.Wait()
	OneWinner(t, "creates of one userName", errs)
	_, total, err := s.Users(ctx, tn.ID, roster.Query{})
	if err != nil || total != 1 {
		t.Errorf("Users total = %d, %v, want 1", total, err)
	}
}

func testUserPreconditions(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, userSpec{userName: "dave"})
	u.DisplayName = "Dave"
	if err := s.ReplaceUser(ctx, tn.ID, u, 1); err != nil {
		t.Fatalf("ReplaceUser(version 1) = %v", err)
	}
	wantCode(t, "ReplaceUser(stale version 1)", s.ReplaceUser(ctx, tn.ID, u, 1), roster.EPRECONDITION)
	wantCode(t, "ReplaceUser(future version 9)", s.ReplaceUser(ctx, tn.ID, u, 9), roster.EPRECONDITION)
	if err := s.ReplaceUser(ctx, tn.ID, u, 0); err != nil {
		t.Fatalf("ReplaceUser(version 0) = %v", err)
	}
	if u.Version != 3 {
		t.Fatalf("Version after two replaces = %d, want 3", u.Version)
	}
	wantCode(t, "DeleteUser(stale version 2)", s.DeleteUser(ctx, tn.ID, u.ID, 2), roster.EPRECONDITION)
	if got, err := s.User(ctx, tn.ID, u.ID); err != nil || got.Version != 3 || got.DisplayName != "Dave" {
		t.Fatalf("User after failed writes = %+v, %v, want version 3", got, err)
	}
	if err := s.DeleteUser(ctx, tn.ID, u.ID, 3); err != nil {
		t.Fatalf("DeleteUser(version 3) = %v", err)
	}
}

// testPatchPersistence stores a document changed by Entra's PATCH and reads back
// exactly that document, nested objects, extension and numbers included, with
// the indexed fields the server derives from it.
func testPatchPersistence(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, userSpec{userName: "ada@example.com", familyName: "Lovelace", department: "R&D", level: 3,
		emails: []roster.Email{{Value: "ada@example.com", Type: "work", Primary: true}}})
	ops, err := patch.Decode([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"ada.lovelace@example.com"},
		{"op":"Add","path":"name.givenName","value":"Ada"},
		{"op":"replace","path":"active","value":"False"},
		{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Analytical Engines"},
		{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders","value":["/a","/b"]},
		{"op":"Remove","path":"title"}]}`), 100)
	if err != nil {
		t.Fatalf("patch.Decode = %v", err)
	}
	doc, err := patch.Apply(u.Doc, ops, patch.Options{CoreURN: filter.UserURN})
	if err != nil {
		t.Fatalf("patch.Apply = %v", err)
	}
	u.Doc, u.Active = doc, false
	u.Emails = []roster.Email{{Value: "ada.lovelace@example.com", Type: "work", Primary: true}}
	if err := s.ReplaceUser(ctx, tn.ID, u, u.Version); err != nil {
		t.Fatalf("ReplaceUser = %v", err)
	}
	got, err := s.User(ctx, tn.ID, u.ID)
	if err != nil {
		t.Fatalf("User = %v", err)
	}
	if diff := cmp.Diff(normal(t, doc), normal(t, got.Doc)); diff != "" {
		t.Errorf("stored document differs from the patched one (-want +got):\n%s", diff)
	}
	if got.Active || got.Version != 2 || len(got.Emails) != 1 || got.Emails[0].Value != "ada.lovelace@example.com" {
		t.Errorf("stored user: active %v, version %d, emails %v; want inactive, version 2, the new work email", got.Active, got.Version, got.Emails)
	}
	// The patched values are what filters now find.
	for _, f := range []string{
		`emails.value eq "ADA.LOVELACE@example.com"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "analytical engines"`,
		`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders eq "/b"`,
		`name.givenName eq "Ada" and active eq false`,
	} {
		us, total, err := s.Users(ctx, tn.ID, roster.Query{Filter: mustParse(t, f), Resolve: resolve, StartIndex: 1, Count: 10})
		if err != nil || total != 1 || len(us) != 1 {
			t.Errorf("Users(%s) = %d users, total %d, %v; want the patched user", f, len(us), total, err)
		}
	}
}

func testEntitlements(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := newUser(userSpec{userName: "ada@example.com"})
	u.Entitlements = roster.Entitlements{Active: true, Licenses: []string{"E3", "Visio"}, AccessRole: "Editor", Roles: []string{"Auditor"}}
	if err := s.CreateUser(ctx, tn.ID, u); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	checkEntitlements(t, s, tn.ID, u)
	// Entitlements are stored as given, not derived from the document.
	plain := mustUser(t, s, tn.ID, userSpec{userName: "bob@example.com"})
	checkEntitlements(t, s, tn.ID, plain)

	u.Entitlements = roster.Entitlements{AccessRole: "Viewer"}
	if err := s.ReplaceUser(ctx, tn.ID, u, u.Version); err != nil {
		t.Fatalf("ReplaceUser = %v", err)
	}
	checkEntitlements(t, s, tn.ID, u)
	plain.Entitlements = roster.Entitlements{Active: true, Licenses: []string{"E5"}}
	if err := s.ReplaceUser(ctx, tn.ID, plain, 0); err != nil {
		t.Fatalf("ReplaceUser = %v", err)
	}
	checkEntitlements(t, s, tn.ID, plain)
}

// checkEntitlements compares the entitlements of want as User and Users read them.
func checkEntitlements(t *testing.T, s roster.Store, tenantID string, want *roster.User) {
	t.Helper()
	got, err := s.User(context.Background(), tenantID, want.ID)
	if err != nil {
		t.Fatalf("User = %v", err)
	}
	if diff := cmp.Diff(want.Entitlements, got.Entitlements); diff != "" {
		t.Errorf("User(%s) entitlements mismatch (-want +got):\n%s", want.UserName, diff)
	}
	if !got.Retired.IsZero() {
		t.Errorf("User(%s) Retired = %v, want zero", want.UserName, got.Retired)
	}
	us, _, err := s.Users(context.Background(), tenantID, roster.Query{
		Filter: mustParse(t, `id eq "`+want.ID+`"`), Resolve: resolve, StartIndex: 1, Count: 10})
	if err != nil || len(us) != 1 {
		t.Fatalf("Users(id eq) = %d users, %v; want 1", len(us), err)
	}
	if diff := cmp.Diff(want.Entitlements, us[0].Entitlements); diff != "" {
		t.Errorf("Users(%s) entitlements mismatch (-want +got):\n%s", want.UserName, diff)
	}
}

// workEmail is the key of a unique value as a policy names it.
const workEmail = `emails[type eq "work"].value`

func testUniqueValues(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	withUnique := func(userName string, unique map[string]string) *roster.User {
		u := newUser(userSpec{userName: userName})
		u.Unique = unique
		return u
	}
	ada := withUnique("ada", map[string]string{workEmail: "ada@example.com", "employeeNumber": "42"})
	if err := s.CreateUser(ctx, tn.ID, ada); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	err := s.CreateUser(ctx, tn.ID, withUnique("bob", map[string]string{workEmail: "ada@example.com"}))
	wantConflict(t, "CreateUser(taken work email)", err, workEmail)
	if d := roster.ErrorDetail(err); d != `emails[type eq "work"].value "ada@example.com" is already taken` {
		t.Errorf("conflict detail = %q, want it to name the attribute and the value", d)
	}
	// A userName conflict is reported as before, unique values free or not.
	wantConflict(t, "CreateUser(taken userName)", s.CreateUser(ctx, tn.ID, withUnique("ADA", map[string]string{"x": "y"})), "userName")
	// Values are compared as given (the caller folds case); keys apart; empty values hold nothing.
	bob := withUnique("bob", map[string]string{workEmail: "ADA@example.com", "personalEmail": "ada@example.com", "employeeNumber": ""})
	if err := s.CreateUser(ctx, tn.ID, bob); err != nil {
		t.Fatalf("CreateUser(other case, other key, empty value) = %v", err)
	}
	mustUser(t, s, tn.ID, userSpec{userName: "carol"}) // no unique values at all
	if err := s.CreateUser(ctx, tn.ID, withUnique("dave", map[string]string{"employeeNumber": ""})); err != nil {
		t.Fatalf("CreateUser(a second empty value) = %v", err)
	}
	if _, total, err := s.Users(ctx, tn.ID, roster.Query{}); err != nil || total != 4 {
		t.Fatalf("Users total = %d, %v; want 4 (no failed create stored)", total, err)
	}

	// Replace: taking another's value fails and changes nothing; a user keeps its own.
	bob.Unique = map[string]string{"employeeNumber": "42"}
	wantConflict(t, "ReplaceUser(to a taken value)", s.ReplaceUser(ctx, tn.ID, bob, 0), "employeeNumber")
	if got, err := s.User(ctx, tn.ID, bob.ID); err != nil || got.Version != 1 {
		t.Fatalf("User after a failed replace = %+v, %v; want version 1", got, err)
	}
	ada.DisplayName = "Ada"
	if err := s.ReplaceUser(ctx, tn.ID, ada, 0); err != nil {
		t.Fatalf("ReplaceUser(own values) = %v", err)
	}
	ada.Unique = map[string]string{workEmail: "ada@example.com"}
	if err := s.ReplaceUser(ctx, tn.ID, ada, 0); err != nil {
		t.Fatalf("ReplaceUser(dropping a value) = %v", err)
	}
	if err := s.ReplaceUser(ctx, tn.ID, bob, 0); err != nil {
		t.Fatalf("ReplaceUser(to a value another user dropped) = %v", err)
	}

	// Delete and retire free the values.
	if err := s.DeleteUser(ctx, tn.ID, bob.ID, 0); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	if err := s.CreateUser(ctx, tn.ID, withUnique("erin", map[string]string{"employeeNumber": "42"})); err != nil {
		t.Fatalf("CreateUser(a deleted user's value) = %v", err)
	}
	if err := s.RetireUser(ctx, tn.ID, ada.ID, 0); err != nil {
		t.Fatalf("RetireUser = %v", err)
	}
	if err := s.CreateUser(ctx, tn.ID, withUnique("frank", map[string]string{workEmail: "ada@example.com"})); err != nil {
		t.Fatalf("CreateUser(a retired user's value) = %v", err)
	}
	// Another tenant has its own values.
	other := mustTenant(t, s, "other")
	if err := s.CreateUser(ctx, other.ID, withUnique("ada", map[string]string{workEmail: "ada@example.com"})); err != nil {
		t.Fatalf("CreateUser(other tenant) = %v", err)
	}
}

func testUniqueConcurrent(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u := newUser(userSpec{userName: fmt.Sprintf("user%d", i)})
			u.Unique = map[string]string{"employeeNumber": "42", workEmail: fmt.Sprintf("user%d@example.com", i)}
			errs[i] = s.CreateUser(ctx, tn.ID, u)
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch roster.ErrorCode(err) {
		case "":
			ok++
		case roster.ECONFLICT:
			wantConflict(t, fmt.Sprintf("create %d", i), err, "employeeNumber")
		default:
			t.Errorf("create %d = %v, want success or %s", i, err, roster.ECONFLICT)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent creates of one unique value succeeded, want 1", ok, n)
	}
	if _, total, err := s.Users(ctx, tn.ID, roster.Query{}); err != nil || total != 1 {
		t.Errorf("Users total = %d, %v, want 1", total, err)
	}
}
