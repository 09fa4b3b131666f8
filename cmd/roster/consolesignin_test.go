package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster/admin"
)

// TestConsoleSignInPage: serve gives the console the sealer of sign-in
// secrets. On SQLite (its key file) the sign-in page sets a connection that
// roster sso get then prints, and shows the redirect URI sso get prints; on
// PostgreSQL without ROSTER_SECRET_KEY it says sign-in is off and why, shows
// no form, and refuses one sent anyway.
func TestConsoleSignInPage(t *testing.T) { forEachStore(t, testConsoleSignInPage) }

func testConsoleSignInPage(t *testing.T, db string) {
	s := startServer(t, db)
	const password = "correct horse battery"
	withStdin(t, password+"\n", func() { s.cli(t, "operator", "create", "--email", "ada@example.com", "--role", "admin") })
	base := strings.TrimSuffix(s.base, "/scim/v2")
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if status, _ := send("POST", "/console/login", url.Values{"email": {"ada@example.com"}, "password": {password}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", status)
	}
	u, _ := url.Parse(base + "/console/")
	csrf := admin.FormToken(jar.Cookies(u)[0].Value)

	status, page := send("GET", "/console/tenants/default/sign-in", nil)
	if status != http.StatusOK {
		t.Fatalf("sign-in page: %d\n%s", status, page)
	}
	if got, want := testidText(page, "redirect-uri"), lastValue(t, s.cli(t, "sso", "get", "--tenant", "default"), "redirect_uri"); got != want || !strings.HasPrefix(got, base+"/") {
		t.Errorf("the page's redirect URI %q; sso get prints %q", got, want)
	}
	oidc := url.Values{"csrf": {csrf}, "issuer": {"https://login.microsoftonline.com/dir-1"}, "client_id": {"cid"},
		"credential": {"secret"}, "client_secret": {"entra-secret"}}
	if strings.HasPrefix(db, "sqlite:") {
		if status, body := send("POST", "/console/tenants/default/sign-in/oidc", oidc); status != http.StatusSeeOther {
			t.Fatalf("set OIDC: %d\n%s", status, body)
		}
		out := s.cli(t, "sso", "get", "--tenant", "default")
		if lastValue(t, out, "issuer") != "https://login.microsoftonline.com/dir-1/v2.0" || lastValue(t, out, "client_credential") != "secret" {
			t.Errorf("sso get after the console set the connection:\n%s", out)
		}
		return
	}
	if !strings.Contains(testidText(page, "signin-off-reason"), "ROSTER_SECRET_KEY") || strings.Contains(page, "/sign-in/oidc") {
		t.Errorf("without a secret key, the page does not say sign-in is off, or shows a form:\n%s", page)
	}
	if status, _ := send("POST", "/console/tenants/default/sign-in/oidc", oidc); status != http.StatusConflict {
		t.Errorf("set OIDC with sign-in off: %d, want 409", status)
	}
}

// testidText returns the text of the first element whose data-testid is id.
func testidText(page, id string) string {
	_, rest, ok := strings.Cut(page, `data-testid="`+id+`"`)
	if !ok {
		return ""
	}
	_, rest, _ = strings.Cut(rest, ">")
	text, _, _ := strings.Cut(rest, "<")
	return strings.TrimSpace(text)
}
