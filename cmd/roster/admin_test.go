package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// cliErr runs one roster command that must fail and returns its error.
func (s *testServer) cliErr(t testing.TB, args ...string) error {
	t.Helper()
	var stdout, stderr strings.Builder
	args = append(args, "--db", s.db)
	err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	if err == nil {
		t.Fatalf("roster %s succeeded, want an error\n%s", strings.Join(args, " "), stdout.String())
	}
	return err
}

// TestTenantNames checks that new tenant names are URL-safe slugs, that a
// display name is free text of bounded length, and that a tenant created
// before the rule keeps working over SCIM.
func TestTenantNames(t *testing.T) { forEachStore(t, testTenantNames) }

func testTenantNames(t *testing.T, db string) {
	s := startServer(t, db)
	for _, name := range []string{"Fabrikam Inc", "a/b", "Acme", "a", "1acme", "acme-", "ac--me", "acme_co", "acmé",
		strings.Repeat("a", 64)} {
		err := s.cliErr(t, "tenant", "create", name)
		if roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "lower-case letters, digits and single hyphens") {
			t.Errorf("tenant create %q = %v, want the rule named", name, err)
		}
	}
	for _, name := range []string{"ab", "fabrikam-inc", "contoso2", strings.Repeat("a", 63)} {
		s.cli(t, "tenant", "create", name)
	}
	s.cli(t, "tenant", "create", "northwind", "--display-name", "Northwind Traders, Zürich")
	err := s.cliErr(t, "tenant", "create", "long", "--display-name", strings.Repeat("x", 201))
	if roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("a display name of 201 characters: %v, want EINVALID", err)
	}
	s.cliErr(t, "tenant", "update", "northwind", "--display-name", "two\nlines")
	s.cli(t, "tenant", "update", "fabrikam-inc", "--display-name", "Fabrikam, Inc.")
	list := s.cli(t, "tenant", "list")
	for _, want := range []string{"Northwind Traders, Zürich", "Fabrikam, Inc."} {
		if !strings.Contains(list, want) {
			t.Errorf("tenant list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "long") {
		t.Errorf("a refused tenant was created:\n%s", list)
	}

	// A tenant named before the rule keeps its name and its work.
	old := &roster.Tenant{Name: "Fabrikam Inc"}
	if err := s.openStore(t).CreateTenant(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	s.cli(t, "tenant", "update", "Fabrikam Inc", "--display-name", "Fabrikam (old name)", "--rate", "50")
	secret := strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "Fabrikam Inc"))
	legacy := &testServer{base: s.base, token: secret, db: s.db}
	legacy.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@fabrikam.com"}`).want(t, 201)
	if list := s.cli(t, "tenant", "list"); !strings.Contains(list, "Fabrikam (old name)") {
		t.Errorf("tenant list lacks the old tenant's display name:\n%s", list)
	}
}

// TestTenantDisable disables a tenant while the server runs: its SCIM requests
// get 403 with a SCIM error and a provisioning log reason, its sign-in gets a
// page saying why, while the app API keeps serving its users and events.
// Enabled again, it finds everything where it was.
func TestTenantDisable(t *testing.T) { forEachStore(t, testTenantDisable) }

func testTenantDisable(t *testing.T, db string) {
	setup := startSignIn(t, db) // config read on every request: no wait
	s, env, issuer := setup.s, setup.env, setup.issuer
	key := strings.TrimSpace(cliEnv(t, s, env, "apikey", "create", "--tenant", "default", "--name", "app"))
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	clientID := lastValue(t, out, "client_id")
	id := str(s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201).body, "id")
	other := &testServer{base: s.base, db: s.db,
		token: strings.TrimSpace(func() string {
			s.cli(t, "tenant", "create", "fabrikam")
			return s.cli(t, "token", "create", "--tenant", "fabrikam")
		}())}

	cliEnv(t, s, env, "tenant", "disable", "default")
	for _, req := range [][2]string{{"GET", "/Users"}, {"GET", "/Users/" + id}, {"POST", "/Users"}, {"GET", "/ServiceProviderConfig"}} {
		body := ""
		if req[0] == "POST" {
			body = vendorUser(t, "bob@contoso.com", "bob@contoso.com", "f-x")
		}
		r := s.do(t, req[0], req[1], body).wantError(t, 403, "")
		if !strings.Contains(str(r.body, "detail"), "disabled by the operator") {
			t.Errorf("%s %s detail: %s", req[0], req[1], r.raw)
		}
	}
	other.do(t, "GET", "/Users", "").want(t, 200) // another tenant is not touched

	// The app API still serves the tenant, and its log says why SCIM was refused.
	if r := s.app(t, key, "/users/"+id).want(t, 200); !strings.Contains(r.raw, "ada@contoso.com") {
		t.Errorf("app API user of a disabled tenant: %s", r.raw)
	}
	s.app(t, key, "/events").want(t, 200)
	deadline := time.Now().Add(10 * time.Second)
	for r := s.app(t, key, "/provisioning-log?format=json"); !strings.Contains(r.raw, `"reason":"tenant_disabled"`); r = s.app(t, key, "/provisioning-log?format=json") {
		if time.Now().After(deadline) {
			t.Fatalf("no tenant_disabled row in the provisioning log:\n%s", r.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Sign-in: a page that says so, no redirect with a code.
	authorize := issuer + "/oauth2/authorize?" + url.Values{"client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:1/cb"},
		"response_type": {"code"}, "scope": {"openid"}, "tenant": {"default"}, "state": {"s"},
		"code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"}}.Encode()
	b := newBrowser(t)
	resp, err := b.client.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(page), "turned off by the operator") {
		t.Errorf("authorize for a disabled tenant = %d:\n%s", resp.StatusCode, page)
	}

	cliEnv(t, s, env, "tenant", "enable", "default")
	s.do(t, "GET", "/Users/"+id, "").want(t, 200)
	s.do(t, "POST", "/Users", vendorUser(t, "bob@contoso.com", "bob@contoso.com", "f-x")).want(t, 201)
	if resp, err := b.client.Get(authorize); err != nil || resp.StatusCode != http.StatusFound {
		t.Errorf("authorize after enable = %v, %v; want a redirect", resp, err)
	}
}

// TestTenantDelete deletes a tenant while the server runs, only once its name
// is confirmed: its token stops working, its users are gone, and the other
// tenant keeps its own.
func TestTenantDelete(t *testing.T) { forEachStore(t, testTenantDelete) }

func testTenantDelete(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_TOKEN_CACHE": "0s", "ROSTER_POLICY_REFRESH": "0s"})
	s.cli(t, "tenant", "create", "fabrikam")
	fab := &testServer{base: s.base, db: s.db, token: strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "fabrikam"))}
	id := str(fab.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@fabrikam.com"}`).want(t, 201).body, "id")
	mine := str(s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@fabrikam.com"}`).want(t, 201).body, "id")

	for _, args := range [][]string{{"tenant", "delete", "fabrikam"}, {"tenant", "delete", "fabrikam", "--confirm", "default"},
		{"tenant", "delete", "fabrikam", "--confirm", "Fabrikam"}} {
		if err := s.cliErr(t, args...); roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "--confirm fabrikam") {
			t.Errorf("roster %s = %v, want a refusal naming --confirm", strings.Join(args, " "), err)
		}
	}
	fab.do(t, "GET", "/Users/"+id, "").want(t, 200)

	s.cli(t, "tenant", "delete", "fabrikam", "--confirm", "fabrikam")
	fab.do(t, "GET", "/Users", "").wantError(t, 401, "")
	if list := s.cli(t, "tenant", "list"); strings.Contains(list, "fabrikam") {
		t.Errorf("tenant list after delete:\n%s", list)
	}
	s.do(t, "GET", "/Users/"+mine, "").want(t, 200)
	if err := s.cliErr(t, "tenant", "delete", "fabrikam", "--confirm", "fabrikam"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("deleting it again = %v, want ENOTFOUND", err)
	}
}

// TestAudit runs every tenant and token command against a running server and
// reads the audit trail back: one row per action, newest first, who did it,
// the settings before and after, never a secret.
func TestAudit(t *testing.T) { forEachStore(t, testAudit) }

func testAudit(t *testing.T, db string) {
	s := startServer(t, db)
	s.cli(t, "tenant", "create", "acme", "--display-name", "Acme Corp")
	s.cli(t, "tenant", "update", "acme", "--rate", "5")
	secret := strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "acme", "--name", "entra"))
	tokID := strings.Fields(strings.Split(s.cli(t, "token", "list", "--tenant", "acme"), "\n")[1])[0]
	s.cli(t, "token", "revoke", tokID)
	s.cli(t, "tenant", "disable", "acme")
	s.cli(t, "tenant", "enable", "acme")
	s.cli(t, "tenant", "delete", "acme", "--confirm", "acme")

	out := s.cli(t, "audit")
	for _, leak := range []string{secret, s.token, secret[len(secret)-20:]} {
		if strings.Contains(out, leak) {
			t.Fatalf("the audit trail shows a secret:\n%s", out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var actions []string
	for _, l := range lines[1:] {
		actions = append(actions, strings.Fields(l)[4])
	}
	want := []string{"tenant.delete", "tenant.enable", "tenant.disable", "token.revoke", "token.create", "tenant.update", "tenant.create",
		"token.create", "tenant.create"}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Fatalf("audit actions = %v, want %v\n%s", actions, want, out)
	}
	me := cliActor().String()
	for i, l := range lines[1:] {
		actor := "server:" + hostname()
		if i < 7 {
			actor = me
		}
		if f := strings.Fields(l); f[2] != actor {
			t.Errorf("row %d actor %q, want %q:\n%s", i, f[2], actor, l)
		}
	}
	for _, want := range []string{secret[:12], `"rate":5`, `"display_name":"Acme Corp"`, `"disabled":true`, tokID} {
		if !strings.Contains(out, want) {
			t.Errorf("the audit trail lacks %s:\n%s", want, out)
		}
	}

	// A deleted tenant's rows are found by its name; --limit bounds the list.
	acme := s.cli(t, "audit", "--tenant", "acme")
	if n := len(strings.Split(strings.TrimSpace(acme), "\n")) - 1; n != 7 || strings.Contains(acme, "server:") {
		t.Errorf("audit --tenant acme: %d rows, want its 7:\n%s", n, acme)
	}
	if n := len(strings.Split(strings.TrimSpace(s.cli(t, "audit", "--limit", "2")), "\n")) - 1; n != 2 {
		t.Errorf("audit --limit 2: %d rows", n)
	}
	if err := s.cliErr(t, "audit", "--limit", "5000"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("audit --limit 5000 = %v, want EINVALID", err)
	}
}
