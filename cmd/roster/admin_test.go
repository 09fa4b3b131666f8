package main

import (
	"context"
	"strings"
	"testing"

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
