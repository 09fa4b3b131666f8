package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

// testRestoreUser: a deleted user is kept restorable, comes back with its id,
// document, memberships and unique values, unless a live user took its
// userName or a unique value meanwhile; purged, it is gone for good.
func testRestoreUser(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	ada := newUser(userSpec{userName: "ada@example.com", externalID: "x-ada", title: "Engineer",
		emails: []roster.Email{{Value: "ada@example.com", Type: "work", Primary: true}}})
	ada.Unique = map[string]string{workEmail: "ada@example.com"}
	ada.Entitlements = roster.Entitlements{Active: true, Licenses: []string{"E3"}}
	if err := s.CreateUser(ctx, tn.ID, ada); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	bob := mustUser(t, s, tn.ID, userSpec{userName: "bob@example.com"})
	team := mustGroup(t, s, tn.ID, "Team", ada.ID, bob.ID)
	gone := mustGroup(t, s, tn.ID, "Gone", ada.ID)

	_, err := s.RetiredUser(ctx, tn.ID, ada.ID)
	wantCode(t, "RetiredUser(live)", err, roster.ENOTFOUND)
	wantCode(t, "RestoreUser(live)", s.RestoreUser(ctx, tn.ID, ada.ID), roster.ENOTFOUND)
	wantCode(t, "PurgeUser(live)", s.PurgeUser(ctx, tn.ID, ada.ID), roster.ENOTFOUND)
	if err := s.DeleteUser(ctx, tn.ID, ada.ID, 0); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	if err := s.DeleteGroup(ctx, tn.ID, gone.ID, 0); err != nil {
		t.Fatalf("DeleteGroup = %v", err)
	}
	_, err = s.User(ctx, tn.ID, ada.ID)
	wantCode(t, "User(deleted)", err, roster.ENOTFOUND)
	for _, ref := range []string{ada.ID, "ADA@example.com", "x-ada"} {
		if u, err := s.RetiredUser(ctx, tn.ID, ref); err != nil || u.ID != ada.ID {
			t.Fatalf("RetiredUser(%q) = %v, %v; want ada", ref, u, err)
		}
	}
	_, err = s.RetiredUser(ctx, mustTenant(t, s, "other").ID, ada.ID)
	wantCode(t, "RetiredUser(other tenant)", err, roster.ENOTFOUND)

	// A live user holding its userName, then one holding its work email, is named.
	twin := mustUser(t, s, tn.ID, userSpec{userName: "Ada@example.com"})
	err = s.RestoreUser(ctx, tn.ID, ada.ID)
	wantCode(t, "RestoreUser(userName taken)", err, roster.ECONFLICT)
	if !strings.Contains(roster.ErrorDetail(err), twin.ID) {
		t.Errorf("conflict detail %q does not name the holder %s", roster.ErrorDetail(err), twin.ID)
	}
	if err := s.DeleteUser(ctx, tn.ID, twin.ID, 0); err != nil {
		t.Fatal(err)
	}
	holder := newUser(userSpec{userName: "ada2@example.com"})
	holder.Unique = map[string]string{workEmail: "ada@example.com"}
	if err := s.CreateUser(ctx, tn.ID, holder); err != nil {
		t.Fatalf("CreateUser(a deleted user's unique value) = %v", err)
	}
	err = s.RestoreUser(ctx, tn.ID, ada.ID)
	wantCode(t, "RestoreUser(unique value taken)", err, roster.ECONFLICT)
	if !strings.Contains(roster.ErrorDetail(err), holder.ID) {
		t.Errorf("conflict detail %q does not name the holder %s", roster.ErrorDetail(err), holder.ID)
	}
	if err := s.PurgeUser(ctx, tn.ID, holder.ID); err == nil {
		t.Fatal("PurgeUser(live) = nil, want ENOTFOUND")
	}
	if err := s.DeleteUser(ctx, tn.ID, holder.ID, 0); err != nil {
		t.Fatal(err)
	}

	events, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1].Seq
	if err := s.RestoreUser(ctx, tn.ID, ada.ID); err != nil {
		t.Fatalf("RestoreUser = %v", err)
	}
	got, err := s.User(ctx, tn.ID, ada.ID)
	if err != nil {
		t.Fatalf("User(restored) = %v", err)
	}
	if !got.Retired.IsZero() || got.UserName != ada.UserName || got.ExternalID != ada.ExternalID ||
		!cmp.Equal(got.Emails, ada.Emails) || len(got.Groups) != 1 || got.Groups[0].ID != team.ID {
		t.Errorf("restored user = %+v; want ada, a member of Team alone", got)
	}
	if want := ada.Entitlements; !cmp.Equal(got.Entitlements, want) {
		t.Errorf("restored entitlements = %+v, want %+v (active in the app again)", got.Entitlements, want)
	}
	if diff := cmp.Diff(normal(t, ada.Doc), normal(t, got.Doc)); diff != "" {
		t.Errorf("restored user's document mismatch (-want +got):\n%s", diff)
	}
	g, err := s.Group(ctx, tn.ID, team.ID, false)
	if err != nil || !slices.Contains(memberIDs(g.Members), ada.ID) {
		t.Errorf("Team after restore = %+v, %v; want ada a member", g, err)
	}
	again := newUser(userSpec{userName: "ada3@example.com"})
	again.Unique = map[string]string{workEmail: "ada@example.com"}
	wantConflict(t, "CreateUser(a restored user's unique value)", s.CreateUser(ctx, tn.ID, again), workEmail)
	events, err = s.Events(ctx, roster.EventQuery{TenantID: tn.ID, After: last, Limit: 10})
	if err != nil || len(events) != 1 || events[0].Type != roster.UserRestored || events[0].ResourceID != ada.ID {
		t.Errorf("events after the restore = %+v, %v; want one user.restored of ada", events, err)
	}

	// Purged, it cannot be found nor restored.
	if err := s.DeleteUser(ctx, tn.ID, ada.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeUser(ctx, tn.ID, ada.ID); err != nil {
		t.Fatalf("PurgeUser = %v", err)
	}
	wantCode(t, "PurgeUser(purged)", s.PurgeUser(ctx, tn.ID, ada.ID), roster.ENOTFOUND)
	wantCode(t, "RestoreUser(purged)", s.RestoreUser(ctx, tn.ID, ada.ID), roster.ENOTFOUND)
	_, err = s.RetiredUser(ctx, tn.ID, ada.ID)
	wantCode(t, "RetiredUser(purged)", err, roster.ENOTFOUND)

	// The purger takes the users retired before its time: twin and holder.
	h, err := s.RetiredUser(ctx, tn.ID, holder.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgeRetiredUsers(ctx, h.Retired.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("PurgeRetiredUsers(an hour before) = %d, %v; want 0", n, err)
	}
	if n, err := s.PurgeRetiredUsers(ctx, h.Retired.Add(time.Hour)); err != nil || n != 2 {
		t.Errorf("PurgeRetiredUsers(in an hour) = %d, %v; want 2", n, err)
	}
	if _, total, err := s.Users(ctx, tn.ID, roster.Query{Retired: true}); err != nil || total != 1 {
		t.Errorf("Users(retired too) total = %d, %v; want bob alone", total, err)
	}
}
