package admin_test

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/sso"
)

// TestUserSignIn sets a user's login method and password, finding the user
// by id or by userName in any case; an unknown method, a short password, an
// unknown user or tenant are refused; the audit trail has the method before
// and after, never the password or its hash.
func TestUserSignIn(t *testing.T) {
	ctx, svc, st := newSealedService(t)
	acme, err := svc.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ada := &roster.User{UserName: "Ada@Contoso.com", Active: true,
		Doc: map[string]any{"schemas": []any{filter.UserURN}, "userName": "Ada@Contoso.com", "active": true}}
	if err := st.CreateUser(ctx, acme.ID, ada); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SetLoginMethod(ctx, "acme", "ada@contoso.com", "sometimes"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("SetLoginMethod(sometimes) = %v, want EINVALID", err)
	}
	for _, c := range []struct{ tenant, user string }{{"nope", "ada@contoso.com"}, {"acme", "bob@contoso.com"}} {
		if _, _, err := svc.SetLoginMethod(ctx, c.tenant, c.user, "password"); roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("SetLoginMethod(%s, %s) = %v, want ENOTFOUND", c.tenant, c.user, err)
		}
		if _, _, err := svc.SetUserPassword(ctx, c.tenant, c.user, "correct horse"); roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("SetUserPassword(%s, %s) = %v, want ENOTFOUND", c.tenant, c.user, err)
		}
	}
	if _, _, err := svc.SetUserPassword(ctx, "acme", ada.ID, "short"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("SetUserPassword(short) = %v, want EINVALID", err)
	}
	skip := len(auditSince(t, ctx, svc, 0))

	tn, u, err := svc.SetLoginMethod(ctx, "acme", "ADA@contoso.COM", "Either")
	if err != nil || tn.Name != "acme" || u.ID != ada.ID || u.LoginMethod != roster.LoginMethodEither {
		t.Fatalf("SetLoginMethod(by userName) = %v, %+v, %v", tn, u, err)
	}
	const password = "correct horse battery"
	if _, u, err = svc.SetUserPassword(ctx, "acme", ada.ID, password); err != nil || u.UserName != "Ada@Contoso.com" {
		t.Fatalf("SetUserPassword(by id) = %+v, %v", u, err)
	}
	hash, err := st.PasswordHash(ctx, acme.ID, ada.ID)
	if err != nil || !sso.VerifyPassword(hash, password) {
		t.Errorf("the stored hash does not verify the password (%v)", err)
	}
	if stored, err := st.User(ctx, acme.ID, ada.ID); err != nil || stored.LoginMethod != roster.LoginMethodEither {
		t.Errorf("stored login method = %v", err)
	}

	es := auditSince(t, ctx, svc, skip, password, hash)
	if got, want := actions(es), "user.login_method user.password"; got != want {
		t.Fatalf("audit actions = %s, want %s", got, want)
	}
	if field(t, es[0].Before, "login_method") != "idp" || field(t, es[0].After, "login_method") != "either" || es[0].Target != ada.ID || es[0].Tenant != "acme" {
		t.Errorf("user.login_method row: before %s after %s target %s", es[0].Before, es[0].After, es[0].Target)
	}
	if es[1].Before != nil || field(t, es[1].After, "user_name") != "Ada@Contoso.com" {
		t.Errorf("user.password row: before %s after %s", es[1].Before, es[1].After)
	}
}
