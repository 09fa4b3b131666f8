package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestSetupLinkCommands makes a setup link on the URL the server recorded,
// with the held scope, lists it and revokes it; a bad scope or lifetime is
// refused.
func TestSetupLinkCommands(t *testing.T) {
	s := startServerWith(t, sqliteDB(t), "--public-url", "https://roster.example.com")
	out := strings.TrimSpace(s.cli(t, "setup-link", "create", "--tenant", "default", "--expires", "48h", "--scope", "held,scim,log"))
	u, err := url.Parse(out)
	if err != nil || u.Host != "roster.example.com" || u.Path != "/setup" || !strings.HasPrefix(u.Query().Get("link"), "rsl_") {
		t.Fatalf("setup-link create printed %q", out)
	}
	list := s.cli(t, "setup-link", "list", "--tenant", "default")
	if !strings.Contains(list, "scim,log,held") || !strings.Contains(list, "live") || strings.Contains(list, u.Query().Get("link")) {
		t.Fatalf("setup-link list:\n%s", list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	s.cli(t, "setup-link", "revoke", "--tenant", "default", id)
	if list := s.cli(t, "setup-link", "list", "--tenant", "default"); !strings.Contains(list, "revoked") {
		t.Errorf("after revoke:\n%s", list)
	}
	for _, args := range [][]string{
		{"setup-link", "create", "--tenant", "default", "--scope", "scim,admin"},
		{"setup-link", "create", "--tenant", "default", "--expires", "90d"},
		{"setup-link", "create"},
		{"setup-link", "revoke", "--tenant", "default", "nope"},
	} {
		if err := s.cliErr(t, args...); err == nil {
			t.Errorf("roster %s succeeded", strings.Join(args, " "))
		}
	}
}
