package main

import (
	"context"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/sso"
)

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
