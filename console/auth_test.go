package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSignIn(t *testing.T) { forEachStore(t, testSignIn) }

func testSignIn(t *testing.T, db store) {
	f := newFixture(t, db)
	b := f.anonymous(t)
	a := b.get(Prefix + "/tenants/acme")
	if a.status != http.StatusSeeOther || a.header.Get("Location") != Prefix+"/login?next=%2Fconsole%2Ftenants%2Facme" {
		t.Fatalf("unauthenticated page: %d %q", a.status, a.header.Get("Location"))
	}
	b.get(Prefix+"/login").want(t, http.StatusOK)

	a = b.postForm(Prefix+"/login", url.Values{"email": {adminEmail}, "password": {"wrong password!"}}).want(t, http.StatusUnauthorized)
	if got := a.testid("login-error"); got != "Wrong email or password." {
		t.Errorf("wrong password says %q", got)
	}
	a = b.postForm(Prefix+"/login", url.Values{"email": {"nobody@example.com"}, "password": {password}}).want(t, http.StatusUnauthorized)
	if got := a.testid("login-error"); got != "Wrong email or password." {
		t.Errorf("unknown email says %q", got)
	}

	a = b.postForm(Prefix+"/login", url.Values{"email": {" ADA@example.com "}, "password": {password}, "next": {Prefix + "/tenants/acme"}}).want(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); loc != Prefix+"/tenants/acme" {
		t.Errorf("after sign-in: to %q, want the page asked for", loc)
	}
	cookie := a.header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/console/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie %q is Secure on an http console", cookie)
	}
	page := b.get(Prefix+"/").want(t, http.StatusOK)
	if got := page.testid("operator"); got != adminEmail {
		t.Errorf("signed in as %q", got)
	}

	b.post(Prefix+"/logout", nil).want(t, http.StatusSeeOther)
	if a := b.get(Prefix + "/"); a.status != http.StatusSeeOther {
		t.Errorf("after sign-out: %d, want 303 to sign in", a.status)
	}
}

// TestSignInNext refuses to send a signed-in operator anywhere but the console.
func TestSignInNext(t *testing.T) {
	for next, want := range map[string]string{
		"/console/tenants/acme":    "/console/tenants/acme",
		"/console/?q=a&after=b":    "/console/?q=a&after=b",
		"https://evil.example/":    "/console/",
		"//evil.example/console/":  "/console/",
		"/console/\\evil.example":  "/console/",
		"/consolex":                "/console/",
		"":                         "/console/",
		"/console/\r\nLocation: x": "/console/",
	} {
		if got := nextPath(next); got != want {
			t.Errorf("nextPath(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestSecureCookie: behind https the session cookie is Secure.
func TestSecureCookie(t *testing.T) {
	s := New(nil, nil, Options{PublicURL: "https://roster.example.com"})
	if c := s.cookie("x", 60); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie = %+v", c)
	}
}

// TestSignInLimited: past ten failures an address waits, and a right
// password does not get through meanwhile.
func TestSignInLimited(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	b := f.anonymous(t)
	for i := range 10 {
		b.postForm(Prefix+"/login", url.Values{"email": {adminEmail}, "password": {"wrong password!"}}).want(t, http.StatusUnauthorized)
		_ = i
	}
	a := b.postForm(Prefix+"/login", url.Values{"email": {adminEmail}, "password": {password}}).want(t, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}
