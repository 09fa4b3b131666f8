package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pathParam matches a path parameter of a route pattern.
var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// walkPath is the path of pattern with each parameter the fixture's value.
func (f *fixture) walkPath(t *testing.T, pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	return method, pathParam.ReplaceAllStringFunc(path, func(m string) string {
		v, ok := f.params[m[1:len(m)-1]]
		if !ok {
			t.Fatalf("route %s: the fixture has no value for %s: add one to newFixture", pattern, m)
		}
		return url.PathEscape(v)
	})
}

// TestRoutesGuarded walks every route of the console: without a session it
// answers 303 to the sign-in page; a state change from another origin, or
// without the session's form token, or by a viewer on an admin route, is
// refused with 403; every page renders for both roles.
func TestRoutesGuarded(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	anon := f.anonymous(t)
	for _, rt := range New(f.svc, f.db, Options{}).routes() {
		if rt.access == public {
			continue
		}
		method, path := f.walkPath(t, rt.pattern)
		t.Run(rt.pattern, func(t *testing.T) {
			var a answer
			if method == "GET" {
				a = anon.get(path)
			} else {
				a = anon.postForm(path, url.Values{"csrf": {"x"}})
			}
			if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), Prefix+"/login") {
				t.Errorf("without a session: %d %q, want 303 to the sign-in page", a.status, a.header.Get("Location"))
			}
			if method == "GET" {
				for _, email := range []string{adminEmail, viewerEmail} {
					f.signIn(t, email).get(path).want(t, http.StatusOK)
				}
				return
			}
			ada := f.signIn(t, adminEmail)
			if a := ada.postForm(path, url.Values{"csrf": {ada.formToken()}}, "Sec-Fetch-Site", "cross-site"); a.status != http.StatusForbidden {
				t.Errorf("cross-origin POST: %d, want 403", a.status)
			}
			if a := ada.postForm(path, url.Values{"csrf": {ada.formToken()}}, "Origin", "https://evil.example"); a.status != http.StatusForbidden {
				t.Errorf("POST from another Origin: %d, want 403", a.status)
			}
			if a := ada.postForm(path, url.Values{"csrf": {"forged"}}); a.status != http.StatusForbidden {
				t.Errorf("POST with a wrong form token: %d, want 403", a.status)
			}
			if a := ada.postForm(path, url.Values{}); a.status != http.StatusForbidden {
				t.Errorf("POST without a form token: %d, want 403", a.status)
			}
			// Every change is an admin's: only signing out is a viewer's.
			if !strings.HasSuffix(path, "/logout") {
				vic := f.signIn(t, viewerEmail)
				if a := vic.post(path, nil); a.status != http.StatusForbidden {
					t.Errorf("a viewer's POST: %d, want 403", a.status)
				}
			}
		})
	}
}

// TestPagesEscape: what an IdP chose (a userName, a display name) is shown
// as text on the pages that list it, never run as markup.
func TestPagesEscape(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	u := fixtureUser("eve"+evil+"@acme.example", "x-eve")
	if err := f.db.CreateUser(cliCtx, f.tenant.ID, u); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateTenant(cliCtx, "globex", "Globex"+evil); err != nil {
		t.Fatal(err)
	}
	vic := f.signIn(t, viewerEmail)
	for _, path := range []string{Prefix + "/", Prefix + "/tenants/acme/users", Prefix + "/tenants/acme/users/" + u.ID, Prefix + "/tenants/globex"} {
		a := vic.get(path).want(t, http.StatusOK)
		if strings.Contains(a.body, "<script>alert") || strings.Contains(a.body, "<img src=x") {
			t.Errorf("%s shows the markup an IdP sent unescaped", path)
		}
		if !strings.Contains(a.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the text at all", path)
		}
	}
}
