package main

import (
	"context"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/sso"
)

// TestSSOGetPublicURL: a server records the URL it is reached at as it
// starts, so that sso get prints the redirect URI and SAML URLs on it
// without being told: --public-url when the server has one, else its listen
// address. A --public-url given to sso get still wins.
func TestSSOGetPublicURL(t *testing.T) { forEachStore(t, testSSOGetPublicURL) }

func testSSOGetPublicURL(t *testing.T, db string) {
	s := startServerWith(t, db, "--public-url", "https://roster.example.com")
	out := s.cli(t, "sso", "get", "--tenant", "default")
	for key, want := range map[string]string{
		"redirect_uri":      "https://roster.example.com/sso/default/oidc/callback",
		"saml_entity_id":    sso.SAMLEntityID("https://roster.example.com", "default"),
		"saml_acs_url":      "https://roster.example.com/sso/default/saml/acs",
		"saml_metadata_url": sso.SAMLMetadataURL("https://roster.example.com", "default"),
	} {
		if got := lastValue(t, out, key); got != want {
			t.Errorf("sso get: %s=%s, want %s", key, got, want)
		}
	}
	out = s.cli(t, "sso", "get", "--tenant", "default", "--public-url", "https://other.example.com/")
	if got := lastValue(t, out, "redirect_uri"); got != "https://other.example.com/sso/default/oidc/callback" {
		t.Errorf("sso get --public-url: redirect_uri=%s, want it on the URL given", got)
	}

	// Without --public-url, a server records its listen address (the same
	// way on both stores: one more server suffices).
	if !strings.HasPrefix(db, "sqlite:") {
		return
	}
	plain := startServer(t, sqliteDB(t))
	origin := strings.TrimSuffix(plain.base, "/scim/v2")
	if got := lastValue(t, plain.cli(t, "sso", "get", "--tenant", "default"), "redirect_uri"); got != origin+"/sso/default/oidc/callback" {
		t.Errorf("sso get, a server without --public-url: redirect_uri=%s, want it on %s", got, origin)
	}
}

// TestSSORemove connects a tenant's IdP and disconnects it: sso get says it
// has no connection, a second remove is refused, and the audit trail shows
// both actions by the command line's user, without the client secret.
func TestSSORemove(t *testing.T) { forEachStore(t, testSSORemove) }

func testSSORemove(t *testing.T, db string) {
	env := map[string]string{}
	if strings.HasPrefix(db, "postgres") {
		env["ROSTER_SECRET_KEY"] = sso.NewKey()
	}
	s := startServerEnv(t, db, env)
	const secret = "entra-client-secret-value"
	cliEnv(t, s, env, "sso", "set", "--tenant", "default", "--type", "oidc", "--issuer", "https://login.microsoftonline.com/dir-1",
		"--client-id", "cid", "--client-secret", secret)
	if got := lastValue(t, cliEnv(t, s, env, "sso", "get", "--tenant", "default"), "issuer"); got != "https://login.microsoftonline.com/dir-1/v2.0" {
		t.Errorf("sso get: issuer=%s", got)
	}
	cliEnv(t, s, env, "sso", "remove", "--tenant", "default")
	var stdout, stderr strings.Builder
	getenv := func(k string) string { return env[k] }
	if err := run(context.Background(), []string{"sso", "get", "--tenant", "default", "--db", s.db}, getenv, &stdout, &stderr); err != nil ||
		strings.Contains(stdout.String(), "issuer=") || !strings.Contains(stderr.String(), "has no connection yet") {
		t.Errorf("sso get after remove = %v:\n%s%s", err, stdout.String(), stderr.String())
	}
	if err := run(context.Background(), []string{"sso", "remove", "--tenant", "default", "--db", s.db}, getenv, &stdout, &stderr); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("sso remove again = %v, want ENOTFOUND", err)
	}

	out := s.cli(t, "audit", "--tenant", "default")
	if strings.Contains(out, secret) {
		t.Fatalf("the audit trail shows the client secret:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("audit:\n%s", out)
	}
	for i, want := range []string{"signin.remove", "signin.set"} {
		if f := strings.Fields(lines[1+i]); f[4] != want || f[2] != cliActor().String() {
			t.Errorf("audit row %d: %s by %s, want %s by %s", i, f[4], f[2], want, cliActor())
		}
	}
}
