package main

import (
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// TestUserAndGroupCommands lists and shows what SCIM wrote with roster user
// list|get and roster group list|get: pages that end by telling how to ask
// for the next one, the console's search, a user found by its externalId with
// its groups, a group's members a page at a time, and control characters an
// IdP sent taken out before they reach the terminal.
func TestUserAndGroupCommands(t *testing.T) { forEachStore(t, testUserAndGroupCommands) }

func testUserAndGroupCommands(t *testing.T, db string) {
	s := startServer(t, db)
	var ids []string
	for _, name := range []string{"ada", "alan", "grace"} {
		ids = append(ids, str(s.do(t, "POST", "/Users", `{"userName":"`+name+`@contoso.com","externalId":"x-`+name+`",
			"displayName":"`+name+`\u001b[31m","emails":[{"value":"`+name+`@mail.contoso.com","primary":true}]}`).want(t, 201).body, "id"))
	}
	eng := str(s.do(t, "POST", "/Groups", `{"displayName":"Engineering","externalId":"g-eng","members":[{"value":"`+ids[0]+`"},{"value":"`+ids[1]+`"}]}`).want(t, 201).body, "id")
	s.do(t, "POST", "/Groups", `{"displayName":"Design"}`).want(t, 201)

	out, errOut := s.cliBoth(t, "user", "list", "--tenant", "default", "--limit", "2")
	if !strings.Contains(out, "ada@contoso.com") || !strings.Contains(out, "alan@contoso.com") || strings.Contains(out, "grace") ||
		!strings.Contains(errOut, "--after alan@contoso.com") {
		t.Errorf("user list --limit 2:\n%s%s", out, errOut)
	}
	out, errOut = s.cliBoth(t, "user", "list", "--tenant", "default", "--after", "alan@contoso.com")
	if !strings.Contains(out, "grace@contoso.com") || strings.Contains(out, "ada@") || errOut != "" {
		t.Errorf("user list --after alan@contoso.com:\n%s%s", out, errOut)
	}
	for search, want := range map[string]string{"AL": "alan@contoso.com", "x-grace": "grace@contoso.com", "ada@mail": "ada@contoso.com"} {
		out := s.cli(t, "user", "list", "--tenant", "default", "--search", search)
		if strings.Count(out, "\n") != 2 || !strings.Contains(out, want) {
			t.Errorf("user list --search %s, want %s alone:\n%s", search, want, out)
		}
	}

	out = s.cli(t, "user", "get", "--tenant", "default", "x-ada")
	for _, want := range []string{ids[0], "ada@contoso.com", "group:", eng + " Engineering", "ada@mail.contoso.com", "displayName:  ada[31m\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("user get x-ada lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("user get printed a control character:\n%q", out)
	}
	if err := s.cliErr(t, "user", "get", "--tenant", "default", "nobody"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("user get nobody = %v, want not found", err)
	}
	if err := s.cliErr(t, "user", "list", "--tenant", "default", "--limit", "5000"); !strings.Contains(err.Error(), "--limit 5000") {
		t.Errorf("user list --limit 5000 = %v, want the limit refused", err)
	}

	out = s.cli(t, "group", "list", "--tenant", "default")
	if i, j := strings.Index(out, "Design"), strings.Index(out, "Engineering"); i < 0 || j < i {
		t.Errorf("group list, want Design then Engineering:\n%s", out)
	}
	out, errOut = s.cliBoth(t, "group", "get", "--tenant", "default", "engineering", "--limit", "1")
	if !strings.Contains(out, "id:") || !strings.Contains(out, eng) || strings.Count(out, "member:") != 1 || !strings.Contains(errOut, "more members") {
		t.Errorf("group get engineering --limit 1:\n%s%s", out, errOut)
	}
	last := out[strings.LastIndex(out, "member:"):]
	first := strings.Fields(last)[2]
	out = s.cli(t, "group", "get", "--tenant", "default", "g-eng", "--after", first)
	if strings.Count(out, "member:") != 1 || strings.Contains(out, first) && !strings.Contains(out, "id:") {
		t.Errorf("group get --after %s:\n%s", first, out)
	}
}

// TestTenantGet shows a tenant with roster tenant get: its settings and what
// SCIM wrote to it, counted.
func TestTenantGet(t *testing.T) { forEachStore(t, testTenantGet) }

func testTenantGet(t *testing.T, db string) {
	s := startServer(t, db)
	s.cli(t, "tenant", "update", "default", "--display-name", "Contoso Ltd", "--rate", "7", "--directory", "jumpcloud")
	for _, name := range []string{"ada", "alan"} {
		s.do(t, "POST", "/Users", `{"userName":"`+name+`@contoso.com"}`).want(t, 201)
	}
	s.do(t, "POST", "/Groups", `{"displayName":"Engineering"}`).want(t, 201)
	s.do(t, "GET", "/Users?filter="+q(`userName eq "nobody@contoso.com"`), "").want(t, 200)
	out := s.cli(t, "tenant", "get", "default")
	for _, want := range []string{"name:", "default", "display name:", "Contoso Ltd", "rate limit:", "7/s", "jumpcloud\n", "users:", "groups:", "live tokens:", "state:", "enabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("tenant get lacks %q:\n%s", want, out)
		}
	}
	for _, line := range []string{"users:", "groups:"} {
		i := strings.Index(out, line)
		got := strings.Fields(out[i+len(line):])[0]
		if want := map[string]string{"users:": "2", "groups:": "1"}[line]; got != want {
			t.Errorf("tenant get: %s %s, want %s:\n%s", line, got, want, out)
		}
	}
	if err := s.cliErr(t, "tenant", "get", "nope"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("tenant get nope = %v, want not found", err)
	}
	err := s.cliErr(t, "tenant", "update", "default", "--directory", "ping")
	if roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "entra, okta, onelogin, jumpcloud, other") {
		t.Errorf("tenant update --directory ping = %v, want the choices listed", err)
	}
	s.cli(t, "tenant", "update", "default", "--directory", "")
	if out := s.cli(t, "tenant", "get", "default"); !strings.Contains(out, "directory:") || !strings.Contains(out, " not chosen\n") {
		t.Errorf("tenant get after --directory \"\":\n%s", out)
	}
}
