package admin_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/scim/filter"
)

// TestSetLoginMethod sets a user's login method, finding the user by id or
// by userName in any case; an unknown method, user or tenant is refused; the
// audit row has the method before and after.
func TestSetLoginMethod(t *testing.T) {
	ctx := admin.WithActor(t.Context(), admin.Actor{Kind: "cli", Name: "test"})
	svc, db := newClockedService(t, &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)})
	acme, err := svc.CreateTenant(ctx, "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	ada := &roster.User{UserName: "Ada@Contoso.com", Active: true,
		Doc: map[string]any{"schemas": []any{filter.UserURN}, "userName": "Ada@Contoso.com", "active": true}}
	if err := db.CreateUser(ctx, acme.ID, ada); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SetLoginMethod(ctx, "acme", ada.ID, "sometimes"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("SetLoginMethod(sometimes) = %v, want EINVALID", err)
	}
	for _, c := range []struct{ tenant, user string }{{"nope", ada.ID}, {"acme", "bob@contoso.com"}} {
		if _, _, err := svc.SetLoginMethod(ctx, c.tenant, c.user, "password"); roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("SetLoginMethod(%s, %s) = %v, want ENOTFOUND", c.tenant, c.user, err)
		}
	}
	tn, u, err := svc.SetLoginMethod(ctx, "acme", "ADA@contoso.COM", "Either")
	if err != nil || tn.ID != acme.ID || u.ID != ada.ID || u.LoginMethod != roster.LoginMethodEither {
		t.Fatalf("SetLoginMethod(by userName) = %v, %+v, %v", tn, u, err)
	}
	if stored, err := db.User(ctx, acme.ID, ada.ID); err != nil || stored.LoginMethod != roster.LoginMethodEither || stored.Version != 2 {
		t.Errorf("stored user = %+v, %v; want either, version 2", stored, err)
	}
	if _, _, err := svc.SetLoginMethod(ctx, acme.ID, ada.ID, "password"); err != nil {
		t.Fatalf("SetLoginMethod(by id) = %v", err)
	}

	es, err := svc.Audit(ctx, "acme", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if e.Action != "user.login_method" {
			continue
		}
		var before, after struct {
			UserName    string `json:"user_name"`
			LoginMethod string `json:"login_method"`
		}
		if err := json.Unmarshal(e.Before, &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e.After, &after); err != nil {
			t.Fatal(err)
		}
		if e.Target != ada.ID || e.Tenant != "acme" || before.UserName != "Ada@Contoso.com" {
			t.Errorf("audit row %+v", e)
		}
		got = append(got, before.LoginMethod+"→"+after.LoginMethod)
	}
	if len(got) != 2 || got[0] != "either→password" || got[1] != "idp→either" {
		t.Errorf("user.login_method rows (newest first) = %v", got)
	}
}
