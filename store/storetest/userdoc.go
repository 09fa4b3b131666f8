package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
	"github.com/rosterhq/roster/scim/filter"
)

// testUserDoc: UserDoc and UserDocs read the user User and Users read,
// with the document either as a text that decodes to it or whole, and a
// retired user is not found.
func testUserDoc(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := newUser(userSpec{userName: "alice@example.com", displayName: "Alice <A & B>", externalID: "ext-1",
		emails: []roster.Email{{Value: "alice@example.com", Type: "work", Primary: true}}, department: "Engineering", level: 3})
	if err := s.CreateUser(ctx, tn.ID, u); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	g := &roster.Group{DisplayName: "Staff", Doc: map[string]any{"displayName": "Staff"}, Members: []roster.Member{{ID: u.ID}}}
	if err := s.CreateGroup(ctx, tn.ID, g); err != nil {
		t.Fatalf("CreateGroup = %v", err)
	}
	want, err := s.User(ctx, tn.ID, u.ID)
	if err != nil {
		t.Fatalf("User = %v", err)
	}
	got, doc, err := s.UserDoc(ctx, tn.ID, u.ID)
	if err != nil {
		t.Fatalf("UserDoc = %v", err)
	}
	checkUserDoc(t, "UserDoc", want, got, doc)
	q := roster.Query{Filter: &filter.Compare{Attr: filter.AttrPath{Name: "userName"}, Op: filter.Eq,
		Value: filter.Value{Kind: filter.KindString, Text: "ALICE@example.com"}}, StartIndex: 1, Count: 10,
		Resolve: func(filter.AttrPath) (filter.Attr, bool) { return filter.Attr{Type: filter.String}, true }}
	users, docs, total, err := s.UserDocs(ctx, tn.ID, q)
	if err != nil || total != 1 || len(users) != 1 || len(docs) != 1 {
		t.Fatalf("UserDocs = %d users, %d texts, total %d, %v; want 1", len(users), len(docs), total, err)
	}
	checkUserDoc(t, "UserDocs", want, users[0], docs[0])
	if err := s.DeleteUser(ctx, tn.ID, u.ID, 0); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	if _, _, err := s.UserDoc(ctx, tn.ID, u.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("UserDoc of a deleted user = %v, want ENOTFOUND", err)
	}
}

// checkUserDoc compares what UserDoc read (got, and the text doc) with what
// User read (want): with a text, the fields the document holds are not read.
func checkUserDoc(t *testing.T, what string, want, got *roster.User, doc []byte) {
	t.Helper()
	if doc != nil {
		if got.Doc != nil {
			t.Errorf("%s: both a text and a Doc", what)
		}
		var err error
		if got.Doc, err = jsonenc.DecodeObject(doc); err != nil {
			t.Fatalf("%s: text %s: %v", what, doc, err)
		}
		got.UserName, got.ExternalID, got.DisplayName, got.Active = want.UserName, want.ExternalID, want.DisplayName, want.Active
		got.Emails, got.AwaitingAdoption = want.Emails, want.AwaitingAdoption
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s (-User +UserDoc):\n%s", what, diff)
	}
}
