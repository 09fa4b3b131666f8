package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestRestoreUser deletes a user through SCIM and brings it back with roster
// user restore: the same id, attributes and group memberships; Entra's next
// lookup by userName finds it and its PATCH updates it. A restore over a live
// holder of the userName is refused naming it; a purged user cannot be restored.
func TestRestoreUser(t *testing.T) { forEachStore(t, testRestoreUser) }

func testRestoreUser(t *testing.T, db string) {
	s := startServer(t, db)
	lookup := "/Users?filter=" + url.QueryEscape(`userName eq "ada@contoso.com"`)
	ada := str(s.do(t, "POST", "/Users", `{"userName":"ada@contoso.com","externalId":"x-ada","displayName":"Ada",
		"title":"Engineer","emails":[{"value":"ada@contoso.com","type":"work","primary":true}]}`).want(t, 201).body, "id")
	team := str(s.do(t, "POST", "/Groups", `{"displayName":"Team","members":[{"value":"`+ada+`"}]}`).want(t, 201).body, "id")
	before := s.do(t, "GET", "/Users/"+ada, "").want(t, 200)

	s.do(t, "DELETE", "/Users/"+ada, "").want(t, 204)
	s.do(t, "GET", "/Users/"+ada, "").want(t, 404)
	if r := s.do(t, "GET", lookup, "").want(t, 200); get(r.body, "totalResults") != float64(0) {
		t.Fatalf("lookup of a deleted user: %s", r.raw)
	}
	if m := get(s.do(t, "GET", "/Groups/"+team, "").want(t, 200).body, "members"); m != nil {
		t.Errorf("members of Team after the delete = %v, want none", m)
	}

	out := s.cli(t, "user", "restore", "--tenant", "default", "ada@contoso.com")
	if !strings.Contains(out, "restored user "+ada) {
		t.Errorf("roster user restore said %q", out)
	}
	after := s.do(t, "GET", "/Users/"+ada, "").want(t, 200)
	for _, attr := range []string{"userName", "externalId", "displayName", "title"} {
		if str(after.body, attr) != str(before.body, attr) {
			t.Errorf("restored %s = %q, want %q", attr, str(after.body, attr), str(before.body, attr))
		}
	}
	if str(after.body, "emails", 0, "value") != "ada@contoso.com" || str(after.body, "groups", 0, "value") != team {
		t.Errorf("restored user lacks its email or its group: %s", after.raw)
	}
	if str(s.do(t, "GET", "/Groups/"+team, "").want(t, 200).body, "members", 0, "value") != ada {
		t.Errorf("Team does not list the restored user")
	}

	// Entra looks the user up by userName and updates it rather than creating a twin.
	r := s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != float64(1) || str(r.body, "Resources", 0, "id") != ada {
		t.Fatalf("lookup of the restored user: %s", r.raw)
	}
	r = s.do(t, "PATCH", "/Users/"+ada, patchMsg+`{"op":"Replace","path":"displayName","value":"Ada L."}]}`).want(t, 200)
	if str(r.body, "displayName") != "Ada L." {
		t.Errorf("PATCH of the restored user: %s", r.raw)
	}
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	a := s.app(t, key, "/events?types=user.restored").want(t, 200)
	if d, _ := get(a.body, "data").([]any); len(d) != 1 || str(d[0], "resource", "id") != ada {
		t.Errorf("user.restored events: %s", a.raw)
	}

	// A live user took the userName meanwhile: refused, naming it.
	s.do(t, "DELETE", "/Users/"+ada, "").want(t, 204)
	twin := str(s.do(t, "POST", "/Users", `{"userName":"Ada@Contoso.com"}`).want(t, 201).body, "id")
	if err := s.cliErr(t, "user", "restore", "--tenant", "default", ada); !strings.Contains(err.Error(), twin) {
		t.Errorf("restore over a taken userName: %v, want the holder %s named", err, twin)
	}

	// Purged, it is gone for good.
	s.cli(t, "user", "purge", "--tenant", "default", "x-ada")
	if err := s.cliErr(t, "user", "restore", "--tenant", "default", ada); !strings.Contains(err.Error(), "no retired user") {
		t.Errorf("restore of a purged user: %v, want not found", err)
	}
	if d := s.auditActions(t); !strings.Contains(d, "user.restore") || !strings.Contains(d, "user.purge") {
		t.Errorf("audit trail lacks user.restore or user.purge:\n%s", d)
	}
}

// auditActions returns roster audit's output.
func (s *testServer) auditActions(t *testing.T) string {
	t.Helper()
	return s.cli(t, "audit")
}
