package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func TestUsers(t *testing.T) { forEachStore(t, testUsers) }

// testUsers pages through a tenant's users 50 at a time and searches them.
func testUsers(t *testing.T, db store) {
	f := newFixture(t, db)
	ctx := context.Background()
	for i := range 60 {
		if err := db.CreateUser(ctx, f.tenant.ID, fixtureUser(fmt.Sprintf("user%02d@acme.example", i), fmt.Sprintf("x-%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	vic := f.signIn(t, viewerEmail)
	first := vic.get(Prefix+"/tenants/acme/users").want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="user-row"`); n != pageSize {
		t.Errorf("first page has %d rows, want %d", n, pageSize)
	}
	if got := first.testid("user-link"); got != "ada@acme.example" {
		t.Errorf("first user %q, want ada@acme.example (by userName)", got)
	}
	href := first.link("next-page")
	if !strings.Contains(href, "after=user48%40acme.example") {
		t.Errorf("next page %q, want after the 50th userName", href)
	}
	second := vic.get(href).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="user-row"`); n != 61-pageSize {
		t.Errorf("second page has %d rows, want %d", n, 61-pageSize)
	}
	if got := second.testid("user-link"); got != "user49@acme.example" {
		t.Errorf("second page starts at %q", got)
	}
	if strings.Contains(second.body, `data-testid="next-page"`) {
		t.Error("the last page links to a next one")
	}
	for _, c := range []struct{ q, want string }{
		{"USER05", "user05@acme.example"},
		{"x-07", "user07@acme.example"},
		{f.params["user"], "ada@acme.example"},
	} {
		a := vic.get(Prefix+"/tenants/acme/users?q="+url.QueryEscape(c.q)).want(t, http.StatusOK)
		if n := strings.Count(a.body, `data-testid="user-row"`); n != 1 || a.testid("user-link") != c.want {
			t.Errorf("search %q: %d rows, first %q; want %s", c.q, n, a.testid("user-link"), c.want)
		}
	}
	if a := vic.get(Prefix+"/tenants/acme/users?q=nobody").want(t, http.StatusOK); strings.Contains(a.body, `data-testid="user-row"`) {
		t.Error("search nobody found users")
	}
	vic.get(Prefix+"/tenants/nope/users").want(t, http.StatusNotFound)
}

func TestUserPage(t *testing.T) { forEachStore(t, testUserPage) }

// testUserPage shows a user's document, entitlements, groups, sessions and
// provisioning log; an admin changes its login method, a viewer cannot.
func testUserPage(t *testing.T, db store) {
	f := newFixture(t, db)
	id := f.params["user"]
	path := Prefix + "/tenants/acme/users/" + id
	vic := f.signIn(t, viewerEmail)
	a := vic.get(path).want(t, http.StatusOK)
	for testid, want := range map[string]string{
		"user-id":          id,
		"user-external-id": "x-ada",
		"app-active":       "active",
		"login-method":     "Through the IdP only",
		"log-action":       "create",
		"session-state":    "live",
	} {
		if got := a.testid(testid); got != want {
			t.Errorf("%s = %q, want %q", testid, got, want)
		}
	}
	if !strings.Contains(a.body, `data-testid="user-group-row"><th scope="row"><a href="/console/tenants/acme/groups/`+f.params["group"]+`">Engineering</a>`) {
		t.Error("the page does not link the user's group")
	}
	if got, want := a.link("log-page"), Prefix+"/tenants/acme/log?user="+id; got != want {
		t.Errorf("log page link %q, want %q", got, want)
	}
	doc := a.testid("scim-document")
	for _, want := range []string{`&#34;id&#34;: &#34;` + id + `&#34;`, `&#34;userName&#34;: &#34;ada@acme.example&#34;`, `&#34;externalId&#34;: &#34;x-ada&#34;`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the SCIM document lacks %s:\n%s", want, doc)
		}
	}
	if strings.Contains(a.body, "/login-method") {
		t.Error("a viewer is shown the login method form")
	}

	ada := f.signIn(t, adminEmail)
	a = ada.post(path+"/login-method", url.Values{"method": {"sometimes"}}).want(t, http.StatusUnprocessableEntity)
	if a.testid("method-error") == "" || !strings.Contains(a.body, `aria-describedby="method-error"`) {
		t.Errorf("a refused method is not reported at its field:\n%s", a.body)
	}
	a = ada.post(path+"/login-method", url.Values{"method": {"password"}}).want(t, http.StatusSeeOther)
	if got, want := a.header.Get("Location"), path+"?saved=1#login-method"; got != want {
		t.Errorf("after saving: to %q, want %q", got, want)
	}
	a = ada.get(path+"?saved=1").want(t, http.StatusOK)
	if got := a.testid("login-method"); got != "With a password only" {
		t.Errorf("login method after the change %q", got)
	}
	if a.testid("flash") == "" || !strings.Contains(a.body, `<option value="password" selected>`) {
		t.Error("the saved method is not shown as saved")
	}
	u, err := db.User(context.Background(), f.tenant.ID, id)
	if err != nil || u.LoginMethod != roster.LoginMethodPassword {
		t.Fatalf("stored user %+v, %v", u, err)
	}
	rows, err := db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 1})
	if err != nil || len(rows) != 1 {
		t.Fatalf("audit = %v, %v", rows, err)
	}
	if e := rows[0]; e.Action != "user.login_method" || e.Actor != "operator:"+adminEmail || e.Target != id ||
		!strings.Contains(string(e.Before), `"idp"`) || !strings.Contains(string(e.After), `"password"`) {
		t.Errorf("audit row %s by %s on %s: %s → %s", e.Action, e.Actor, e.Target, e.Before, e.After)
	}

	// A user is found only through its own tenant.
	if _, err := f.svc.CreateTenant(cliCtx, "fabrikam", ""); err != nil {
		t.Fatal(err)
	}
	vic.get(Prefix+"/tenants/fabrikam/users/"+id).want(t, http.StatusNotFound)
	ada.post(Prefix+"/tenants/fabrikam/users/"+id+"/login-method", url.Values{"method": {"either"}}).want(t, http.StatusNotFound)
	vic.get(path+"-nope").want(t, http.StatusNotFound)
}

// TestSessionRows tells live, ended and expired sessions apart.
func TestSessionRows(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	rows := sessionRows([]*roster.Session{
		{ID: "live", Expires: now.Add(time.Minute)},
		{ID: "ended", Expires: now.Add(time.Minute), Ended: now.Add(-time.Minute)},
		{ID: "expired", Expires: now},
	}, now)
	for _, r := range rows {
		if r.State != r.ID {
			t.Errorf("session %s: state %s", r.ID, r.State)
		}
	}
}
