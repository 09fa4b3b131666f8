package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rosterhq/roster/policy"
)

// withStdin runs f with os.Stdin reading s, as a person typing it would.
func withStdin(t *testing.T, s string, f func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		io.WriteString(w, s)
		w.Close()
	}()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	f()
}

// passwordPage is the password sign-in form as a browser shows it.
type passwordPage struct {
	action, csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// openPasswordPage starts a password sign-in at Roster and loads the form.
func openPasswordPage(t *testing.T, b *browser, app *hostApp, issuer, pkce, nonce string) *passwordPage {
	t.Helper()
	start := app.conf.AuthCodeURL("app-state", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("nonce", nonce),
		oauth2.SetAuthURLParam("tenant", "default"), oauth2.SetAuthURLParam("login_method", "password"))
	page := b.hop(t, start, issuer+"/sso/default/password")
	resp, err := b.client.Get(page.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(string(body), `type="password"`) {
		t.Fatalf("GET %s = %d:\n%s", page, resp.StatusCode, body)
	}
	return &passwordPage{action: page.String(), csrf: string(m[1])}
}

// submit posts the form from Roster's own origin and returns the response.
func (p *passwordPage) submit(t *testing.T, b *browser, origin, user, password string) *http.Response {
	t.Helper()
	form := url.Values{"csrf": {p.csrf}, "username": {user}, "password": {password}}
	req, _ := http.NewRequest("POST", p.action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestSignInWithPassword signs a SCIM-provisioned user in with a password
// kept by Roster, and checks the login methods both ways: a password-only
// user cannot come through Entra, an IdP-only user cannot use a password
// (and is told only that the password is wrong).
// Wrong passwords are refused, then rate limited; a form without its CSRF
// token is refused; and each outcome is a row of the provisioning log.
func TestSignInWithPassword(t *testing.T) { forEachStore(t, testSignInWithPassword) }

func testSignInWithPassword(t *testing.T, db string) {
	ctx := context.Background()
	setup := startSignIn(t, db)
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")

	// Pat is a contractor: provisioned by SCIM, signing in with a password,
	// set through the SignIn extension. Ada keeps the default (idp).
	r := s.do(t, "POST", "/Users", vendorUser(t, "pat@contoso.com", "pat@contoso.com", "f-x")).want(t, 201)
	patID := str(r.body, "id")
	if got := get(r.body, policy.SignInURN, "loginMethod"); got != "idp" {
		t.Errorf("a new user's loginMethod = %v, want idp", got)
	}
	r = s.do(t, "PATCH", "/Users/"+patID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"`+policy.SignInURN+`:loginMethod","value":"Password"}]}`).want(t, 200)
	if got := get(r.body, policy.SignInURN, "loginMethod"); got != "password" {
		t.Errorf("loginMethod after PATCH = %v, want password", got)
	}
	s.do(t, "PATCH", "/Users/"+patID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"`+policy.SignInURN+`:loginMethod","value":"sometimes"}]}`).wantError(t, 400, "invalidValue")
	r = s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	adaID := str(r.body, "id")
	withStdin(t, "correct horse battery\n", func() {
		cliEnv(t, s, env, "user", "set-password", "--tenant", "default", "PAT@contoso.com")
	})
	withStdin(t, "ada's own password\n", func() {
		cliEnv(t, s, env, "user", "set-password", "--tenant", "default", adaID)
	})

	// Pat signs in with the password: a wrong one first.
	b := newBrowser(t)
	pkce := oauth2.GenerateVerifier()
	page := openPasswordPage(t, b, app, issuer, pkce, "n-1")
	if resp := page.submit(t, b, issuer, "pat@contoso.com", "wrong horse battery"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password = %d, want 401 and the form again", resp.StatusCode)
	}
	resp := page.submit(t, b, issuer, "pat@contoso.com", "correct horse battery")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), app.conf.RedirectURL) || loc.Query().Get("code") == "" ||
		loc.Query().Get("state") != "app-state" {
		t.Fatalf("right password = %d to %q, want 302 to the app with a code", resp.StatusCode, loc)
	}
	tok, idt, c := app.redeem(ctx, t, loc.Query().Get("code"), pkce)
	var std struct {
		Nonce string `json:"nonce"`
	}
	idt.Claims(&std)
	e := c.Entitlements
	if idt.Subject != patID || std.Nonce != "n-1" || c.LoginMethod != "password" || strings.Join(c.AMR, ",") != "pwd" ||
		c.IdPIssuer != "" || c.UserName != "pat@contoso.com" ||
		!e.Active || strings.Join(e.Licenses, ",") != "standard" || e.AccessRole != "Admin" {
		t.Errorf("ID token of a password sign-in: sub %s nonce %q claims %+v", idt.Subject, std.Nonce, c)
	}
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusOK {
		t.Errorf("userinfo = %d, want 200", status)
	}

	// Pat cannot come through Entra; Ada cannot use a password.
	entra.setAccount(entraAccount{sub: "pat-subject", oid: "ext-pat@contoso.com", upn: "pat@contoso.com"})
	q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-2", "tenant", "default")
	if q.Get("error") != "access_denied" || !strings.Contains(q.Get("error_description"), "password only") {
		t.Errorf("password-only user through Entra: %v; want access_denied saying password only", q)
	}
	b = newBrowser(t)
	page = openPasswordPage(t, b, app, issuer, pkce, "n-3")
	if resp := page.submit(t, b, issuer, "ada@contoso.com", "ada's own password"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("IdP-only user with her password = %d to %q; want 401 and the form again, as a wrong password", resp.StatusCode, resp.Header.Get("Location"))
	}

	// A form posted without the page's CSRF token, or from another origin, is refused.
	b = newBrowser(t)
	page = openPasswordPage(t, b, app, issuer, pkce, "n-4")
	forged := *page
	forged.csrf = "guessed"
	if resp := forged.submit(t, b, issuer, "pat@contoso.com", "correct horse battery"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong CSRF token = %d, want 400", resp.StatusCode)
	}
	if resp := page.submit(t, b, "http://evil.example", "pat@contoso.com", "correct horse battery"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("post from another origin = %d, want 400", resp.StatusCode)
	}

	// Wrong passwords are limited per user: after a few, even the right one
	// is refused for a while.
	b = newBrowser(t)
	page = openPasswordPage(t, b, app, issuer, pkce, "n-5")
	var statuses []int
	for range 6 {
		statuses = append(statuses, page.submit(t, b, issuer, "pat@contoso.com", "guess").StatusCode)
	}
	if statuses[0] != http.StatusUnauthorized || statuses[5] != http.StatusTooManyRequests {
		t.Errorf("six wrong passwords answered %v; want 401 first and 429 at last", statuses)
	}
	if resp := page.submit(t, b, issuer, "pat@contoso.com", "correct horse battery"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password while limited = %d, want 429", resp.StatusCode)
	}

	// The CLI changes the method; the SCIM extension reads it back.
	cliEnv(t, s, env, "user", "login-method", "--tenant", "default", "pat@contoso.com", "either")
	if got := get(s.do(t, "GET", "/Users/"+patID, "").want(t, 200).body, policy.SignInURN, "loginMethod"); got != "either" {
		t.Errorf("loginMethod after roster user login-method = %v, want either", got)
	}

	// Every outcome is in the provisioning log with its reason.
	want := map[string]bool{"signin_ok": false, "signin_password_wrong": false, "signin_login_method": false, "signin_password_throttled": false}
	for _, row := range s.logRows(t, 12, "--tenant", "default", "--action", "sign-in") {
		if _, ok := want[row["reason"].(string)]; ok {
			want[row["reason"].(string)] = true
		}
	}
	for reason, seen := range want {
		if !seen {
			t.Errorf("no sign-in row with reason %s", reason)
		}
	}
}

// submitRead posts the form as submit does and returns the status, the
// Retry-After header and the page with the echoed user name and the form's
// CSRF token taken out.
func (p *passwordPage) submitRead(b *browser, origin, user, password string) (int, string, string, error) {
	form := url.Values{"csrf": {p.csrf}, "username": {user}, "password": {password}}
	req, _ := http.NewRequest("POST", p.action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), strings.NewReplacer(user, "USER", p.csrf, "CSRF").Replace(string(body)), err
}

// TestPasswordGuesses sends password guesses as an attacker would: an
// unknown user, an IdP-only user and a wrong password get the same answer,
// and of 60 guesses for one user sent at once only the limit's 5 are checked;
// the others are refused with 429 and Retry-After.
func TestPasswordGuesses(t *testing.T) { forEachStore(t, testPasswordGuesses) }

func testPasswordGuesses(t *testing.T, db string) {
	setup := startSignIn(t, db)
	s, env, issuer := setup.s, setup.env, setup.issuer
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	s.do(t, "POST", "/Users", vendorUser(t, "pat@contoso.com", "pat@contoso.com", "f-x")).want(t, 201)
	s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	cliEnv(t, s, env, "user", "login-method", "--tenant", "default", "pat@contoso.com", "password")
	for _, u := range []string{"pat@contoso.com", "ada@contoso.com"} {
		withStdin(t, "correct horse battery\n", func() {
			cliEnv(t, s, env, "user", "set-password", "--tenant", "default", u)
		})
	}
	// Ada signs in through the IdP only: her right password is answered as a
	// wrong one, and so is a user who does not exist.
	answers := map[string][]string{}
	for _, try := range [][2]string{{"pat@contoso.com", "wrong horse battery"}, {"ada@contoso.com", "correct horse battery"},
		{"nobody@contoso.com", "correct horse battery"}} {
		b := newBrowser(t)
		page := openPasswordPage(t, b, app, issuer, oauth2.GenerateVerifier(), "n-1")
		status, _, got, err := page.submitRead(b, issuer, try[0], try[1])
		if err != nil || status != http.StatusUnauthorized {
			t.Errorf("%s: %d %v, want 401", try[0], status, err)
		}
		answers[got] = append(answers[got], try[0])
	}
	if len(answers) != 1 {
		t.Errorf("a wrong password, an IdP-only user and an unknown user got %d different pages, want one: %v", len(answers), answers)
	}

	// 60 guesses at once for Pat, who has 4 failures left.
	b := newBrowser(t)
	page := openPasswordPage(t, b, app, issuer, oauth2.GenerateVerifier(), "n-2")
	statuses := guessAtOnce(t, b, page, issuer, 60, func(int) string { return "pat@contoso.com" })
	t.Logf("60 guesses at once: statuses %v", statuses)
	if statuses[http.StatusUnauthorized] > 4 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 60 {
		t.Errorf("60 guesses at once with 4 failures left: statuses %v; want at most 4 checked (401) and the rest 429", statuses)
	}
}

// TestPasswordHashCap sends 20 guesses at once for 20 unknown users, each
// within the limits of its user and of the address, to a server that hashes
// one password at a time: the guesses that find the slot busy for 250 ms are
// refused with 429 and Retry-After, unhashed, so that guesses sent at once
// cannot take the server's memory (19 MiB a hash).
func TestPasswordHashCap(t *testing.T) { forEachStore(t, testPasswordHashCap) }

func testPasswordHashCap(t *testing.T, db string) {
	setup := startSignInEnv(t, db, map[string]string{"ROSTER_PASSWORD_HASHES": "1"})
	s, env, issuer := setup.s, setup.env, setup.issuer
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	b := newBrowser(t)
	page := openPasswordPage(t, b, app, issuer, oauth2.GenerateVerifier(), "n-1")
	statuses := guessAtOnce(t, b, page, issuer, 20, func(i int) string { return fmt.Sprintf("guess%d@contoso.com", i) })
	t.Logf("20 guesses at once, one hash at a time: statuses %v", statuses)
	if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 20 {
		t.Errorf("20 guesses at once with one hash slot: statuses %v; want some refused with 429 unhashed, the rest 401", statuses)
	}
}

// guessAtOnce posts n wrong passwords at once on the page, the i-th for
// user(i), and counts the answers' statuses; a 429 must say when to retry.
func guessAtOnce(t *testing.T, b *browser, page *passwordPage, origin string, n int, user func(i int) string) map[int]int {
	t.Helper()
	b.client.Timeout = 2 * time.Minute // with room for a busy machine
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		wg       sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			status, retry, _, err := page.submitRead(b, origin, user(i), "a guess")
			if err != nil {
				t.Error(err)
				return
			}
			if n, err := strconv.Atoi(retry); status == http.StatusTooManyRequests && (err != nil || n < 1) {
				t.Errorf("429 with Retry-After %q, want a number of seconds", retry)
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return statuses
}
