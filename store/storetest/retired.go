package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

func testRetireUser(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	ada := newUser(userSpec{userName: "ada@example.com", externalID: "x-ada", title: "Engineer",
		emails: []roster.Email{{Value: "ada@example.com", Type: "work", Primary: true}}})
	ada.Entitlements = roster.Entitlements{Active: true, Licenses: []string{"E3"}}
	if err := s.CreateUser(ctx, tn.ID, ada); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	bob := mustUser(t, s, tn.ID, userSpec{userName: "bob@example.com", externalID: "x-bob"})
	team := mustGroup(t, s, tn.ID, "Team", ada.ID, bob.ID)
	events, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Limit: 100})
	if err != nil {
		t.Fatalf("Events = %v", err)
	}
	last := events[len(events)-1].Seq

	wantCode(t, "RetireUser(stale version)", s.RetireUser(ctx, tn.ID, ada.ID, 9), roster.EPRECONDITION)
	wantCode(t, "RetireUser(unknown)", s.RetireUser(ctx, tn.ID, "nobody", 0), roster.ENOTFOUND)
	wantCode(t, "RetireUser(other tenant)", s.RetireUser(ctx, mustTenant(t, s, "other").ID, ada.ID, 0), roster.ENOTFOUND)
	if err := s.RetireUser(ctx, tn.ID, ada.ID, 1); err != nil {
		t.Fatalf("RetireUser = %v", err)
	}

	// Gone for SCIM: reads, writes, lists, filters, counts and cursor pages.
	_, err = s.User(ctx, tn.ID, ada.ID)
	wantCode(t, "User(retired)", err, roster.ENOTFOUND)
	again := newUser(userSpec{userName: "ada@example.com"})
	again.ID = ada.ID
	wantCode(t, "ReplaceUser(retired)", s.ReplaceUser(ctx, tn.ID, again, 0), roster.ENOTFOUND)
	wantCode(t, "RetireUser(retired)", s.RetireUser(ctx, tn.ID, ada.ID, 0), roster.ENOTFOUND)
	wantCode(t, "DeleteUser(retired)", s.DeleteUser(ctx, tn.ID, ada.ID, 0), roster.ENOTFOUND)
	for _, q := range []roster.Query{
		{StartIndex: 1, Count: 10},
		{Filter: mustParse(t, `userName eq "ada@example.com" or externalId eq "x-bob"`), Resolve: resolve, StartIndex: 1, Count: 10},
		{Filter: mustParse(t, `emails[type eq "work"] or active eq true`), Resolve: resolve, StartIndex: 1, Count: 10},
		{Filter: mustParse(t, `id eq "`+ada.ID+`" or id eq "`+bob.ID+`"`), Resolve: resolve, StartIndex: 1, Count: 0},
	} {
		us, total, err := s.Users(ctx, tn.ID, q)
		if err != nil || total != 1 || (q.Count > 0 && (len(us) != 1 || us[0].ID != bob.ID)) {
			t.Errorf("Users(%v) = %v, total %d, %v; want bob alone", q.Filter, userNames(us), total, err)
		}
	}
	cursor, err := roster.CursorPage(roster.Query{Resolve: resolve}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if us, _, err := s.Users(ctx, tn.ID, cursor); err != nil || len(us) != 1 || us[0].ID != bob.ID {
		t.Errorf("Users(cursor page) = %v, %v; want bob alone", userNames(us), err)
	}

	// Unless the query asks for them.
	us, total, err := s.Users(ctx, tn.ID, roster.Query{Filter: mustParse(t, `externalId eq "x-ada"`), Resolve: resolve,
		StartIndex: 1, Count: 10, Retired: true})
	if err != nil || total != 1 || len(us) != 1 {
		t.Fatalf("Users(retired too) = %v, total %d, %v; want ada", userNames(us), total, err)
	}
	got := us[0]
	wantEnt := roster.Entitlements{Active: false, Licenses: []string{"E3"}}
	if got.Retired.IsZero() || got.Version != 2 || !got.Modified.After(ada.Modified) || len(got.Groups) != 0 ||
		!cmp.Equal(got.Entitlements, wantEnt) || !cmp.Equal(got.Emails, ada.Emails) || !got.Active {
		t.Errorf("retired user = %+v; want Retired set, version 2, no groups, entitlements %+v, its emails and SCIM active kept",
			got, wantEnt)
	}
	if diff := cmp.Diff(normal(t, ada.Doc), normal(t, got.Doc)); diff != "" {
		t.Errorf("retired user's document mismatch (-want +got):\n%s", diff)
	}
	if _, total, err := s.Users(ctx, tn.ID, roster.Query{Retired: true}); err != nil || total != 2 {
		t.Errorf("Users(retired too) total = %d, %v; want 2", total, err)
	}

	// Its memberships are gone, and it cannot become a member again.
	g, err := s.Group(ctx, tn.ID, team.ID, false)
	if err != nil || !cmp.Equal(memberIDs(g.Members), []string{bob.ID}) || g.Version != team.Version+1 {
		t.Errorf("group after retire = %+v, %v; want bob alone, version %d", g, err, team.Version+1)
	}
	wantCode(t, "UpdateGroup(add retired)", s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: team.ID}, false,
		[]roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{ada.ID}}}, 0), roster.EINVALID)
	wantCode(t, "CreateGroup(with retired)", s.CreateGroup(ctx, tn.ID, newGroup("X", ada.ID)), roster.EINVALID)

	// Its userName is free again.
	if err := s.CreateUser(ctx, tn.ID, newUser(userSpec{userName: "ADA@example.com"})); err != nil {
		t.Errorf("CreateUser(a retired user's userName) = %v", err)
	}

	checkRetireEvent(t, s, tn.ID, last, ada)
}

// checkRetireEvent checks the event of ada's retirement, the first after seq last.
func checkRetireEvent(t *testing.T, s roster.Store, tenantID string, last int64, ada *roster.User) {
	t.Helper()
	events, err := s.Events(context.Background(), roster.EventQuery{TenantID: tenantID, After: last, Limit: 1})
	if err != nil || len(events) != 1 {
		t.Fatalf("Events after the retire = %v, %v; want one", events, err)
	}
	e := events[0]
	if e.Type != roster.UserDeleted || e.ResourceType != "User" || e.ResourceID != ada.ID {
		t.Fatalf("retire event = %s %s %s, want %s User %s", e.Type, e.ResourceType, e.ResourceID, roster.UserDeleted, ada.ID)
	}
	var p struct {
		Resource map[string]any `json:"resource"`
		Retired  bool           `json:"retired"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatalf("retire event payload %s: %v", e.Payload, err)
	}
	want := normal(t, ada.Doc).(map[string]any)
	want["id"] = ada.ID
	if diff := cmp.Diff(want, normal(t, p.Resource)); !p.Retired || diff != "" {
		t.Errorf("retire event payload %s: retired %v, resource mismatch (-want +got):\n%s", e.Payload, p.Retired, diff)
	}
}
