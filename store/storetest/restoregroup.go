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

// testRestoreGroup: a deleted group is kept restorable, out of SCIM and of
// the counts, its displayName free; it comes back with its id, attributes,
// live members and the groups it belonged to, unless a live group took its
// displayName meanwhile; purged, or after the retention, it is gone for good.
func testRestoreGroup(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	ada := mustUser(t, s, tn.ID, userSpec{userName: "ada@example.com"})
	bob := mustUser(t, s, tn.ID, userSpec{userName: "bob@example.com"})
	cy := mustUser(t, s, tn.ID, userSpec{userName: "cy@example.com"})
	child := mustGroup(t, s, tn.ID, "Child")
	team := newGroup("Team", ada.ID, bob.ID, cy.ID, child.ID)
	team.ExternalID, team.ReserveName = "x-team", true
	team.Doc["externalId"] = "x-team"
	if err := s.CreateGroup(ctx, tn.ID, team); err != nil {
		t.Fatalf("CreateGroup = %v", err)
	}
	parent := mustGroup(t, s, tn.ID, "Parent", team.ID)
	wantCounts(t, s, tn.ID, 3, 3)

	_, err := s.RetiredGroup(ctx, tn.ID, team.ID)
	wantCode(t, "RetiredGroup(live)", err, roster.ENOTFOUND)
	wantCode(t, "RestoreGroup(live)", s.RestoreGroup(ctx, tn.ID, team.ID), roster.ENOTFOUND)
	wantCode(t, "PurgeGroup(live)", s.PurgeGroup(ctx, tn.ID, team.ID), roster.ENOTFOUND)

	// cy leaves with her delete before the group's, bob after it: both
	// come back to Team, whichever of the two is restored first.
	if err := s.DeleteUser(ctx, tn.ID, cy.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, tn.ID, team.ID, 0); err != nil {
		t.Fatalf("DeleteGroup = %v", err)
	}
	if err := s.DeleteUser(ctx, tn.ID, bob.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err = s.Group(ctx, tn.ID, team.ID, false)
	wantCode(t, "Group(deleted)", err, roster.ENOTFOUND)
	wantCounts(t, s, tn.ID, 1, 2)
	if g, err := s.Group(ctx, tn.ID, parent.ID, false); err != nil || len(g.Members) != 0 {
		t.Fatalf("Parent after the delete = %+v, %v; want no members", g, err)
	}
	for _, ref := range []string{team.ID, "TEAM", "x-team"} {
		g, err := s.RetiredGroup(ctx, tn.ID, ref)
		if err != nil || g.ID != team.ID || g.Retired.IsZero() {
			t.Fatalf("RetiredGroup(%q) = %+v, %v; want Team, deleted", ref, g, err)
		}
		if want := sorted([]string{ada.ID, bob.ID, child.ID}); !slices.Equal(memberIDs(g.Members), want) {
			t.Errorf("RetiredGroup(%q) members = %v, want %v (the members at its delete)", ref, memberIDs(g.Members), want)
		}
	}
	_, err = s.RetiredGroup(ctx, mustTenant(t, s, "other").ID, team.ID)
	wantCode(t, "RetiredGroup(other tenant)", err, roster.ENOTFOUND)
	if err := s.RestoreUser(ctx, tn.ID, cy.ID); err != nil {
		t.Fatalf("RestoreUser(cy) = %v", err)
	}

	// Its name is free: a new group takes it, and the restore is refused naming it.
	twin := newGroup("team")
	twin.ReserveName = true
	if err := s.CreateGroup(ctx, tn.ID, twin); err != nil {
		t.Fatalf("CreateGroup(a deleted group's displayName) = %v", err)
	}
	err = s.RestoreGroup(ctx, tn.ID, team.ID)
	wantConflict(t, "RestoreGroup(displayName taken)", err, "displayName")
	if !strings.Contains(roster.ErrorDetail(err), twin.ID) {
		t.Errorf("conflict detail %q does not name the holder %s", roster.ErrorDetail(err), twin.ID)
	}
	if err := s.DeleteGroup(ctx, tn.ID, twin.ID, 0); err != nil {
		t.Fatal(err)
	}
	if g, err := s.RetiredGroup(ctx, tn.ID, "Team"); err != nil || g.ID != twin.ID {
		t.Errorf("RetiredGroup(a name deleted twice) = %+v, %v; want the one deleted last", g, err)
	}

	events, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1].Seq
	if err := s.RestoreGroup(ctx, tn.ID, team.ID); err != nil {
		t.Fatalf("RestoreGroup = %v", err)
	}
	wantCounts(t, s, tn.ID, 2, 3)
	got, err := s.Group(ctx, tn.ID, team.ID, false)
	if err != nil {
		t.Fatalf("Group(restored) = %v", err)
	}
	if got.DisplayName != "Team" || got.ExternalID != "x-team" || got.Version <= team.Version || !got.Retired.IsZero() {
		t.Errorf("restored group = %+v; want Team, x-team, past version %d", got, team.Version)
	}
	if diff := cmp.Diff(normal(t, team.Doc), normal(t, got.Doc)); diff != "" {
		t.Errorf("restored group's document mismatch (-want +got):\n%s", diff)
	}
	if want := sorted([]string{ada.ID, cy.ID, child.ID}); !slices.Equal(memberIDs(got.Members), want) {
		t.Errorf("restored members = %v, want %v (bob is deleted; cy was restored meanwhile)", memberIDs(got.Members), want)
	}
	if g, err := s.Group(ctx, tn.ID, parent.ID, false); err != nil || !slices.Equal(memberIDs(g.Members), []string{team.ID}) {
		t.Errorf("Parent after the restore = %+v, %v; want Team a member again", g, err)
	}
	again := newGroup("TEAM")
	again.ReserveName = true
	wantConflict(t, "CreateGroup(a restored group's name)", s.CreateGroup(ctx, tn.ID, again), "displayName")
	events, err = s.Events(ctx, roster.EventQuery{TenantID: tn.ID, After: last, Limit: 10})
	if err != nil || len(events) != 1 || events[0].Type != roster.GroupRestored || events[0].ResourceID != team.ID {
		t.Errorf("events after the restore = %+v, %v; want one group.restored of Team", events, err)
	}
	_, err = s.RetiredGroup(ctx, tn.ID, team.ID)
	wantCode(t, "RetiredGroup(restored)", err, roster.ENOTFOUND)

	// bob, deleted while Team was, rejoins it with his own restore.
	if err := s.RestoreUser(ctx, tn.ID, bob.ID); err != nil {
		t.Fatalf("RestoreUser(bob) = %v", err)
	}
	if g, err := s.Group(ctx, tn.ID, team.ID, false); err != nil || !slices.Contains(memberIDs(g.Members), bob.ID) {
		t.Errorf("Team after bob's restore = %+v, %v; want bob a member", g, err)
	}

	// Purged, it cannot be found nor restored.
	if err := s.DeleteGroup(ctx, tn.ID, team.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeGroup(ctx, tn.ID, team.ID); err != nil {
		t.Fatalf("PurgeGroup = %v", err)
	}
	wantCode(t, "PurgeGroup(purged)", s.PurgeGroup(ctx, tn.ID, team.ID), roster.ENOTFOUND)
	wantCode(t, "RestoreGroup(purged)", s.RestoreGroup(ctx, tn.ID, team.ID), roster.ENOTFOUND)
	_, err = s.RetiredGroup(ctx, tn.ID, team.ID)
	wantCode(t, "RetiredGroup(purged)", err, roster.ENOTFOUND)
	wantCounts(t, s, tn.ID, 3, 2)

	// The purger takes the groups deleted before its time: the twin.
	tw, err := s.RetiredGroup(ctx, tn.ID, twin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgeRetiredGroups(ctx, tw.Retired.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("PurgeRetiredGroups(an hour before) = %d, %v; want 0", n, err)
	}
	if n, err := s.PurgeRetiredGroups(ctx, tw.Retired.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("PurgeRetiredGroups(in an hour) = %d, %v; want 1", n, err)
	}
	_, err = s.RetiredGroup(ctx, tn.ID, twin.ID)
	wantCode(t, "RetiredGroup(purged by the purger)", err, roster.ENOTFOUND)
	wantCounts(t, s, tn.ID, 3, 2)

	// A group and its member group deleted together: the member is in the
	// group again once both are restored, in either order of the deletes.
	inner := mustGroup(t, s, tn.ID, "Inner", ada.ID)
	outer := mustGroup(t, s, tn.ID, "Outer", inner.ID)
	for _, order := range [][]*roster.Group{{outer, inner}, {inner, outer}} {
		for _, g := range order {
			if err := s.DeleteGroup(ctx, tn.ID, g.ID, 0); err != nil {
				t.Fatalf("DeleteGroup(%s) = %v", g.DisplayName, err)
			}
		}
		for _, g := range order {
			if err := s.RestoreGroup(ctx, tn.ID, g.ID); err != nil {
				t.Fatalf("RestoreGroup(%s) = %v", g.DisplayName, err)
			}
		}
		if g, err := s.Group(ctx, tn.ID, outer.ID, false); err != nil || !slices.Equal(memberIDs(g.Members), []string{inner.ID}) {
			t.Errorf("Outer after deleting and restoring %s then %s = %+v, %v; want Inner its member",
				order[0].DisplayName, order[1].DisplayName, g, err)
		}
	}
}
