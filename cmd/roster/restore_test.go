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

// TestRestoreGroup deletes a group through SCIM and brings it back with
// roster group restore: the same id, attributes and members; the event feed
// says group.deleted then group.restored, and Entra's next lookup by
// displayName finds it. A restore over a live holder of the displayName is
// refused naming it; a purged group cannot be restored.
func TestRestoreGroup(t *testing.T) { forEachStore(t, testRestoreGroup) }

func testRestoreGroup(t *testing.T, db string) {
	s := startServer(t, db)
	lookup := "/Groups?filter=" + url.QueryEscape(`displayName eq "Team"`) + "&excludedAttributes=members"
	ada := str(s.do(t, "POST", "/Users", `{"userName":"ada@contoso.com"}`).want(t, 201).body, "id")
	team := str(s.do(t, "POST", "/Groups", `{"displayName":"Team","externalId":"x-team",
		"members":[{"value":"`+ada+`"}]}`).want(t, 201).body, "id")
	before := s.do(t, "GET", "/Groups/"+team, "").want(t, 200)

	s.do(t, "DELETE", "/Groups/"+team, "").want(t, 204)
	s.do(t, "GET", "/Groups/"+team, "").want(t, 404)
	if r := s.do(t, "GET", lookup, "").want(t, 200); get(r.body, "totalResults") != float64(0) {
		t.Fatalf("lookup of a deleted group: %s", r.raw)
	}

	out := s.cli(t, "group", "restore", "--tenant", "default", "Team")
	if !strings.Contains(out, "restored group "+team) || !strings.Contains(out, "with 1 members") {
		t.Errorf("roster group restore said %q", out)
	}
	after := s.do(t, "GET", "/Groups/"+team, "").want(t, 200)
	for _, attr := range []string{"id", "displayName", "externalId"} {
		if str(after.body, attr) != str(before.body, attr) {
			t.Errorf("restored %s = %q, want %q", attr, str(after.body, attr), str(before.body, attr))
		}
	}
	if str(after.body, "members", 0, "value") != ada {
		t.Errorf("restored group lacks its member: %s", after.raw)
	}

	// Entra looks the group up by displayName and updates it rather than creating a twin.
	r := s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != float64(1) || str(r.body, "Resources", 0, "id") != team {
		t.Fatalf("lookup of the restored group: %s", r.raw)
	}
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	a := s.app(t, key, "/events?types=group.deleted,group.restored").want(t, 200)
	d, _ := get(a.body, "data").([]any)
	if len(d) != 2 || str(d[0], "type") != "group.deleted" || str(d[1], "type") != "group.restored" ||
		str(d[1], "resource", "id") != team {
		t.Errorf("group.deleted and group.restored events: %s", a.raw)
	}

	// A live group took the displayName meanwhile: refused, naming it.
	s.do(t, "DELETE", "/Groups/"+team, "").want(t, 204)
	twin := str(s.do(t, "POST", "/Groups", `{"displayName":"TEAM"}`).want(t, 201).body, "id")
	if err := s.cliErr(t, "group", "restore", "--tenant", "default", team); !strings.Contains(err.Error(), twin) {
		t.Errorf("restore over a taken displayName: %v, want the holder %s named", err, twin)
	}

	// Purged, it is gone for good.
	s.cli(t, "group", "purge", "--tenant", "default", "x-team")
	if err := s.cliErr(t, "group", "restore", "--tenant", "default", team); !strings.Contains(err.Error(), "no deleted group") {
		t.Errorf("restore of a purged group: %v, want not found", err)
	}
	if d := s.auditActions(t); !strings.Contains(d, "group.restore") || !strings.Contains(d, "group.purge") {
		t.Errorf("audit trail lacks group.restore or group.purge:\n%s", d)
	}
}
