package admin_test

import (
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// TestRestoreAndPurgeUser restores a deleted user found by userName, refuses
// a restore over a live holder of its userName, naming it, purges by
// externalId, and audits both actions.
func TestRestoreAndPurgeUser(t *testing.T) {
	ctx, svc, st := newSealedService(t)
	acme, err := svc.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	newUser := func(userName string) *roster.User {
		u := &roster.User{UserName: userName, ExternalID: "x-" + userName, Active: true,
			Doc: map[string]any{"schemas": []any{filter.UserURN}, "userName": userName, "active": true}}
		if err := st.CreateUser(ctx, acme.ID, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	ada := newUser("ada@contoso.com")
	if _, _, err := svc.RestoreUser(ctx, "acme", ada.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RestoreUser(live) = %v, want ENOTFOUND", err)
	}
	if err := st.DeleteUser(ctx, acme.ID, ada.ID, 0); err != nil {
		t.Fatal(err)
	}
	skip := len(auditSince(t, ctx, svc, 0))

	tn, u, err := svc.RestoreUser(ctx, "acme", "ADA@contoso.com")
	if err != nil || tn.ID != acme.ID || u.ID != ada.ID || !u.Retired.IsZero() {
		t.Fatalf("RestoreUser(by userName) = %v, %+v, %v", tn, u, err)
	}
	if _, err := st.User(ctx, acme.ID, ada.ID); err != nil {
		t.Errorf("User(restored) = %v", err)
	}

	if err := st.DeleteUser(ctx, acme.ID, ada.ID, 0); err != nil {
		t.Fatal(err)
	}
	twin := newUser("Ada@Contoso.com")
	_, _, err = svc.RestoreUser(ctx, "acme", ada.ID)
	if roster.ErrorCode(err) != roster.ECONFLICT || !strings.Contains(roster.ErrorDetail(err), twin.ID) {
		t.Errorf("RestoreUser(userName taken) = %v, want ECONFLICT naming %s", err, twin.ID)
	}
	if _, _, err := svc.PurgeUser(ctx, "acme", twin.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("PurgeUser(live) = %v, want ENOTFOUND", err)
	}
	if _, _, err := svc.PurgeUser(ctx, "acme", "x-ada@contoso.com"); err != nil {
		t.Fatalf("PurgeUser(by externalId) = %v", err)
	}
	if _, _, err := svc.RestoreUser(ctx, "acme", ada.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RestoreUser(purged) = %v, want ENOTFOUND", err)
	}

	es := auditSince(t, ctx, svc, skip)
	if got, want := actions(es), "user.restore user.purge"; got != want {
		t.Fatalf("audit actions = %s, want %s", got, want)
	}
	for _, e := range es {
		if e.Target != ada.ID || e.TenantID != acme.ID || !strings.Contains(string(e.Before), "ada@contoso.com") {
			t.Errorf("audit row %s = target %s tenant %s before %s; want ada in acme", e.Action, e.Target, e.TenantID, e.Before)
		}
	}
}

// TestRestoreAndPurgeGroup restores a deleted group found by displayName,
// refuses a restore over a live holder of its displayName, naming it, purges
// by externalId, and audits both actions.
func TestRestoreAndPurgeGroup(t *testing.T) {
	ctx, svc, st := newSealedService(t)
	acme, err := svc.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ada := &roster.User{UserName: "ada@contoso.com", Active: true,
		Doc: map[string]any{"schemas": []any{filter.UserURN}, "userName": "ada@contoso.com", "active": true}}
	if err := st.CreateUser(ctx, acme.ID, ada); err != nil {
		t.Fatal(err)
	}
	newGroup := func(name string, members ...roster.Member) *roster.Group {
		g := &roster.Group{DisplayName: name, ExternalID: "x-" + name, ReserveName: true, Members: members,
			Doc: map[string]any{"schemas": []any{filter.GroupURN}, "displayName": name}}
		if err := st.CreateGroup(ctx, acme.ID, g); err != nil {
			t.Fatal(err)
		}
		return g
	}
	team := newGroup("Team", roster.Member{ID: ada.ID})
	if _, _, err := svc.RestoreGroup(ctx, "acme", team.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RestoreGroup(live) = %v, want ENOTFOUND", err)
	}
	if err := st.DeleteGroup(ctx, acme.ID, team.ID, 0); err != nil {
		t.Fatal(err)
	}
	skip := len(auditSince(t, ctx, svc, 0))

	tn, g, err := svc.RestoreGroup(ctx, "acme", "TEAM")
	if err != nil || tn.ID != acme.ID || g.ID != team.ID || len(g.Members) != 1 || g.Members[0].ID != ada.ID {
		t.Fatalf("RestoreGroup(by displayName) = %v, %+v, %v; want Team with ada", tn, g, err)
	}

	if err := st.DeleteGroup(ctx, acme.ID, team.ID, 0); err != nil {
		t.Fatal(err)
	}
	twin := newGroup("team")
	_, _, err = svc.RestoreGroup(ctx, "acme", team.ID)
	if roster.ErrorCode(err) != roster.ECONFLICT || !strings.Contains(roster.ErrorDetail(err), twin.ID) {
		t.Errorf("RestoreGroup(displayName taken) = %v, want ECONFLICT naming %s", err, twin.ID)
	}
	if _, _, err := svc.PurgeGroup(ctx, "acme", twin.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("PurgeGroup(live) = %v, want ENOTFOUND", err)
	}
	if _, _, err := svc.PurgeGroup(ctx, "acme", "x-Team"); err != nil {
		t.Fatalf("PurgeGroup(by externalId) = %v", err)
	}
	if _, _, err := svc.RestoreGroup(ctx, "acme", team.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RestoreGroup(purged) = %v, want ENOTFOUND", err)
	}

	es := auditSince(t, ctx, svc, skip)
	if got, want := actions(es), "group.restore group.purge"; got != want {
		t.Fatalf("audit actions = %s, want %s", got, want)
	}
	for _, e := range es {
		if e.Target != team.ID || e.TenantID != acme.ID || !strings.Contains(string(e.Before), `"display_name":"Team"`) {
			t.Errorf("audit row %s = target %s tenant %s before %s; want Team in acme", e.Action, e.Target, e.TenantID, e.Before)
		}
	}
}
