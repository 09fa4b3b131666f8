package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/testdb"
)

// cli runs one roster command against the server's database, as an operator
// would while the server runs, and returns its stdout.
func (s *testServer) cli(t testing.TB, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	args = append(args, "--db", s.db)
	if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("roster %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// TestTenantsAndTokens drives the tenant and token commands while the server
// runs: a second tenant is isolated from the first, and a revoked token stops working.
func TestTenantsAndTokens(t *testing.T) { forEachStore(t, testTenantsAndTokens) }

func testTenantsAndTokens(t *testing.T, db string) {
	s := startServer(t, db)
	s.cli(t, "migrate")
	s.cli(t, "tenant", "create", "acme")
	if out := s.cli(t, "tenant", "list"); !strings.Contains(out, "acme") || !strings.Contains(out, "default") {
		t.Fatalf("tenant list:\n%s", out)
	}
	secret := strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "acme", "--name", "entra", "--expires", "30d"))
	if strings.ContainsAny(secret, " \n") || !strings.HasPrefix(secret, "rst_") {
		t.Fatalf("token create printed %q, want the secret alone", secret)
	}
	acme := &testServer{base: s.base, token: secret, db: s.db}

	// Tenant isolation: acme's user is invisible to default, by id, list and filter.
	r := acme.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@acme.com"}`).want(t, 201)
	id := str(r.body, "id")
	s.do(t, "GET", "/Users/"+id, "").wantError(t, 404, "")
	s.do(t, "DELETE", "/Users/"+id, "").wantError(t, 404, "")
	r = s.do(t, "GET", "/Users?filter="+q(`userName eq "ada@acme.com"`), "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("default sees acme's user: %s", r.raw)
	}
	// The same userName may exist in both tenants.
	s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@acme.com"}`).want(t, 201)
	// A group of default cannot take acme's user as a member.
	g := s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g"}`).want(t, 201)
	s.do(t, "PATCH", "/Groups/"+str(g.body, "id"), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`).wantError(t, 400, "invalidValue")

	list := s.cli(t, "token", "list", "--tenant", "acme")
	if !strings.Contains(list, secret[:12]) || !strings.Contains(list, "entra") || strings.Contains(list, secret) {
		t.Fatalf("token list shows no prefix or shows the secret:\n%s", list)
	}
	tokID := strings.Fields(strings.Split(list, "\n")[1])[0]
	s.cli(t, "token", "revoke", tokID)
	// A server trusts a token it has checked for ROSTER_TOKEN_CACHE (1 s).
	deadline := time.Now().Add(3 * time.Second)
	for r = acme.do(t, "GET", "/Users", ""); r.status != 401 && time.Now().Before(deadline); r = acme.do(t, "GET", "/Users", "") {
		time.Sleep(100 * time.Millisecond)
	}
	r.wantError(t, 401, "")
	if !strings.Contains(str(r.body, "detail"), "revoked") {
		t.Errorf("revoked token detail: %s", r.raw)
	}
}

// TestConcurrentCreate sends the same userName many times at once: exactly one 201.
func TestConcurrentCreate(t *testing.T) { forEachStore(t, testConcurrentCreate) }

func testConcurrentCreate(t *testing.T, db string) {
	s := startServer(t, db)
	const n = 16
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Same@Example.com"}`)
			codes <- r.status
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[201] != 1 || count[409] != n-1 {
		t.Fatalf("statuses = %v, want one 201 and %d 409", count, n-1)
	}
}

// TestCommandsLeaveAnalysis checks that a one-off command on PostgreSQL does
// not start the store's stand-in for autovacuum (a server's work): where
// autovacuum is off, as on the test machine, it would warn on every command
// and keep a goroutine writing to the command's stderr meanwhile.
func TestCommandsLeaveAnalysis(t *testing.T) {
	db := testdb.Postgres(t)
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"tenant", "list", "--db", db}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("roster tenant list: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "autovacuum") {
		t.Errorf("a one-off command started the analysis:\n%s", stderr.String())
	}
}

// TestNoBenchCommand checks that the load tool is not part of the production
// binary: "roster bench" is an unknown command, and the help does not list it.
func TestNoBenchCommand(t *testing.T) {
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"bench", "--help"}, func(string) string { return "" }, &stdout, &stderr)
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(stderr.String(), `unknown command "bench"`) {
		t.Errorf("roster bench --help = %v, want the unknown-command usage error; stderr:\n%s", err, stderr.String())
	}
	if strings.Contains(usage, "bench") {
		t.Errorf("roster's usage names the load tool:\n%s", usage)
	}
}
