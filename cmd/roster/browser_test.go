package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rosterhq/roster/internal/browsertest"
	"github.com/rosterhq/roster/sso"
)

// browserApp is a host app as a person meets it: a page with sign-in
// buttons, and a callback page that shows who signed in and what they may do.
type browserApp struct {
	srv  *httptest.Server
	conf *oauth2.Config
	ver  *oidc.IDTokenVerifier
	mu   sync.Mutex
	pkce map[string]string // state -> verifier
}

func newBrowserApp(t *testing.T, issuer string) *browserApp {
	a := &browserApp{pkce: map[string]string{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *browserApp) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		fmt.Fprint(w, `<!doctype html><title>App</title><a id="entra" href="/login?via=entra">Sign in with Contoso</a> <a id="password" href="/login?via=password">Sign in with a password</a>`)
	case "/login":
		state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
		a.mu.Lock()
		a.pkce[state] = verifier
		a.mu.Unlock()
		opts := []oauth2.AuthCodeOption{oidc.Nonce("n-" + state[:8]), oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("tenant", "default")}
		if r.URL.Query().Get("via") == "password" {
			opts = append(opts, oauth2.SetAuthURLParam("login_method", "password"))
		}
		http.Redirect(w, r, a.conf.AuthCodeURL(state, opts...), http.StatusFound)
	case "/callback":
		q := r.URL.Query()
		a.mu.Lock()
		verifier, ok := a.pkce[q.Get("state")]
		delete(a.pkce, q.Get("state"))
		a.mu.Unlock()
		if !ok || q.Get("code") == "" {
			fmt.Fprintf(w, `<p id="error">%s: %s</p>`, html.EscapeString(q.Get("error")), html.EscapeString(q.Get("error_description")))
			return
		}
		tok, err := a.conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			fmt.Fprintf(w, `<p id="error">exchange: %s</p>`, html.EscapeString(err.Error()))
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := a.ver.Verify(r.Context(), raw)
		if err != nil {
			fmt.Fprintf(w, `<p id="error">id token: %s</p>`, html.EscapeString(err.Error()))
			return
		}
		var c sso.UserClaims
		if err := idt.Claims(&c); err != nil {
			fmt.Fprintf(w, `<p id="error">claims: %s</p>`, html.EscapeString(err.Error()))
			return
		}
		fmt.Fprintf(w, `<p id="who">%s</p><p id="how">%s</p><p id="role">%s</p><p id="active">%t</p>`,
			html.EscapeString(c.UserName), html.EscapeString(c.LoginMethod), html.EscapeString(c.Entitlements.AccessRole), c.Entitlements.Active)
	default:
		http.NotFound(w, r)
	}
}

// TestSignInBrowser clicks through both ways in, in a real headless
// chromium: Ada through the tenant's (fake) Entra ID, Pat with a password
// typed into Roster's form; each lands in the host app signed in, with the
// entitlements the tenant's policy gives.
func TestSignInBrowser(t *testing.T) {
	bin := browsertest.Chromium(t)
	setup := startSignIn(t, sqliteDB(t))
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	app := newBrowserApp(t, issuer)
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", app.srv.URL+"/callback")
	host := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), app.srv.URL+"/callback")
	app.conf, app.ver = host.conf, host.verifier

	s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	entra.setAccount(entraAccount{sub: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", oid: "ext-ada@contoso.com",
		upn: "ada@contoso.com", email: "ada@contoso.com", name: "Ada Lovelace"})
	s.do(t, "POST", "/Users", vendorUser(t, "pat@contoso.com", "pat@contoso.com", "f-x")).want(t, 201)
	cliEnv(t, s, env, "user", "login-method", "--tenant", "default", "pat@contoso.com", "password")
	withStdin(t, "correct horse battery\n", func() {
		cliEnv(t, s, env, "user", "set-password", "--tenant", "default", "pat@contoso.com")
	})

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	// signedIn runs the steps, then reads what the app's callback page shows.
	signedIn := func(what string, steps ...chromedp.Action[chromedp.Void]) (who, how, role, active string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(`#who, #error`)))
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		text := func(id string) string {
			v, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`(e => e ? e.textContent : "")(document.querySelector("#`+id+`"))`))
			return v
		}
		if e := text("error"); e != "" {
			t.Fatalf("%s: the app shows an error: %s", what, e)
		}
		return text("who"), text("how"), text("role"), text("active")
	}

	// Ada clicks "Sign in with Contoso": the app, Roster, Entra, Roster, the app.
	// The first Run starts the browser, with no deadline of its own.
	if err := chromedp.Do(ctx, chromedp.Navigate(app.srv.URL+"/")); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	who, how, role, active := signedIn("Entra sign-in", chromedp.Click(chromedp.ID("entra")))
	if who != "ada@contoso.com" || how != "idp" || role != "Admin" || active != "true" {
		t.Errorf("after the Entra sign-in the app shows %q %q %q %q, want ada@contoso.com idp Admin true", who, how, role, active)
	}

	// Pat types a password into Roster's form and clicks Sign in.
	if err := chromedp.Do(ctx, chromedp.Navigate(app.srv.URL+"/"), chromedp.Click(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("username"))); err != nil {
		t.Fatalf("open the password form: %v", err)
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(location, issuer+"/sso/default/password") {
		t.Errorf("the password form is at %s (%v), want Roster's %s/sso/default/password", location, err, issuer)
	}
	who, how, role, active = signedIn("password sign-in",
		chromedp.SendKeys(chromedp.ID("username"), "pat@contoso.com"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	if who != "pat@contoso.com" || how != "password" || role != "Admin" || active != "true" {
		t.Errorf("after the password sign-in the app shows %q %q %q %q, want pat@contoso.com password Admin true", who, how, role, active)
	}
}
