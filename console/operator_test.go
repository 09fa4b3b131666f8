package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func TestOperators(t *testing.T) { forEachStore(t, testOperators) }

// testOperators: operators are listed to everyone; an admin creates one
// (email, role, the password twice) with each refusal at its field, and
// removes one, but not the last admin; each change is audited without the
// password.
func testOperators(t *testing.T, db store) {
	f := newFixture(t, db)
	vic := f.signIn(t, viewerEmail)
	a := vic.get(Prefix+"/operators").want(t, http.StatusOK)
	if n := strings.Count(a.body, `data-testid="operator-row"`); n != 2 {
		t.Errorf("%d operators listed, want 2", n)
	}
	if strings.Contains(a.body, `method="post" action="/console/operators`) {
		t.Error("a viewer is shown the operators' forms")
	}

	ada := f.signIn(t, adminEmail)
	const newPassword = "a long enough secret"
	form := func(email, role, password, again string) url.Values {
		return url.Values{"email": {email}, "role": {role}, "password": {password}, "password_again": {again}}
	}
	for _, tc := range []struct {
		name, email, role, password, again string
		field, says                        string
	}{
		{"passwords differ", "cy@example.com", "viewer", newPassword, newPassword + "!", "password-error", "differ"},
		{"short password", "cy@example.com", "viewer", "short", "short", "password-error", "12"},
		{"bad email", "cy at example", "viewer", newPassword, newPassword, "email-error", "cy at example"},
		{"bad role", "cy@example.com", "owner", newPassword, newPassword, "role-error", "owner"},
		{"email taken", strings.ToUpper(viewerEmail), "viewer", newPassword, newPassword, "email-error", "VIC@EXAMPLE.COM"},
	} {
		a := ada.post(Prefix+"/operators", form(tc.email, tc.role, tc.password, tc.again)).want(t, http.StatusUnprocessableEntity)
		if got := a.testid(tc.field); !strings.Contains(got, tc.says) {
			t.Errorf("%s: %s says %q, want it to say %q", tc.name, tc.field, got, tc.says)
		}
		if !strings.Contains(a.body, `value="`+tc.email+`"`) {
			t.Errorf("%s: the refused form lost the email", tc.name)
		}
		if strings.Contains(a.body, tc.password) && len(tc.password) > 6 {
			t.Errorf("%s: the refused form sends the password back", tc.name)
		}
	}

	a = ada.post(Prefix+"/operators", form("cy@example.com", "admin", newPassword, newPassword)).want(t, http.StatusSeeOther)
	list := ada.get(a.header.Get("Location")).want(t, http.StatusOK)
	if n := strings.Count(list.body, `data-testid="operator-row"`); n != 3 || list.testid("flash") == "" {
		t.Errorf("after a create, %d operators listed, flash %q", n, list.testid("flash"))
	}
	if _, err := f.svc.AuthenticateOperator(cliCtx, "cy@example.com", newPassword); err != nil {
		t.Errorf("the new operator cannot sign in: %v", err)
	}

	ops, _ := f.svc.Operators(cliCtx)
	ids := map[string]string{}
	for _, o := range ops {
		ids[o.Email] = o.ID
	}
	ada.post(Prefix+"/operators/"+ids["cy@example.com"]+"/remove", nil).want(t, http.StatusSeeOther)
	ada.post(Prefix+"/operators/"+ids[viewerEmail]+"/remove", nil).want(t, http.StatusSeeOther)
	a = ada.post(Prefix+"/operators/"+ids[adminEmail]+"/remove", nil).want(t, http.StatusConflict)
	if got := a.testid("remove-error"); !strings.Contains(got, "admin") {
		t.Errorf("removing the last admin says %q", got)
	}
	if n := strings.Count(a.body, `data-testid="operator-row"`); n != 1 {
		t.Errorf("after the removals, %d operators listed, want 1", n)
	}
	ada.post(Prefix+"/operators/nobody/remove", nil).want(t, http.StatusNotFound)
	vic.get(Prefix+"/operators").want(t, http.StatusSeeOther) // removed, signed out

	rows, err := db.Audit(cliCtx, roster.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, e := range rows {
		if !strings.HasPrefix(e.Action, "operator.") || e.Action == "operator.sign_in" || e.Actor != "operator:"+adminEmail {
			continue
		}
		changes = append(changes, e.Action+" "+e.Target)
		if strings.Contains(string(e.Before)+string(e.After), newPassword) {
			t.Errorf("%s holds the password", e.Action)
		}
	}
	if got, want := strings.Join(changes, ", "), "operator.remove "+ids[viewerEmail]+", operator.remove "+ids["cy@example.com"]+", operator.create "+ids["cy@example.com"]; got != want {
		t.Errorf("audit trail: %s, want %s", got, want)
	}
}
