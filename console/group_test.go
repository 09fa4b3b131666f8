package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func TestGroups(t *testing.T) { forEachStore(t, testGroups) }

// testGroups pages through groups 50 at a time, also across groups of the
// same name, searches them, and pages through a group's members; a user's
// page shows 50 of its groups.
func testGroups(t *testing.T, db store) {
	f := newFixture(t, db)
	ctx := context.Background()
	var members []roster.Member
	for i := range 55 {
		u := fixtureUser(fmt.Sprintf("user%02d@acme.example", i), "")
		if err := db.CreateUser(ctx, f.tenant.ID, u); err != nil {
			t.Fatal(err)
		}
		members = append(members, roster.Member{ID: u.ID})
		g := &roster.Group{DisplayName: "Team", Doc: map[string]any{"displayName": "Team"}, Members: []roster.Member{{ID: f.params["user"]}}}
		if err := db.CreateGroup(ctx, f.tenant.ID, g); err != nil {
			t.Fatal(err)
		}
	}
	all := &roster.Group{DisplayName: "All staff", ExternalID: "x-all", Doc: map[string]any{"displayName": "All staff"}, Members: members}
	if err := db.CreateGroup(ctx, f.tenant.ID, all); err != nil {
		t.Fatal(err)
	}

	vic := f.signIn(t, viewerEmail)
	first := vic.get(Prefix+"/tenants/acme/groups").want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="group-row"`); n != pageSize {
		t.Errorf("first page has %d rows, want %d", n, pageSize)
	}
	if got := first.testid("group-link"); got != "All staff" {
		t.Errorf("first group %q, want All staff", got)
	}
	second := vic.get(first.link("next-page")).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="group-row"`); n != 57-pageSize {
		t.Errorf("second page has %d rows, want %d (57 groups, 55 of them named Team)", n, 57-pageSize)
	}
	seen := map[string]bool{}
	for _, a := range []answer{first, second} {
		for _, part := range strings.Split(a.body, `/console/tenants/acme/groups/`)[1:] {
			seen[part[:strings.IndexByte(part, '"')]] = true
		}
	}
	if len(seen) != 57 {
		t.Errorf("the two pages show %d groups, want 57", len(seen))
	}
	for _, q := range []string{"ALL", "x-all", all.ID} {
		a := vic.get(Prefix+"/tenants/acme/groups?q="+q).want(t, http.StatusOK)
		if n := strings.Count(a.body, `data-testid="group-row"`); n != 1 || a.testid("group-link") != "All staff" {
			t.Errorf("search %q: %d rows, first %q", q, n, a.testid("group-link"))
		}
	}

	path := Prefix + "/tenants/acme/groups/" + all.ID
	page1 := vic.get(path).want(t, http.StatusOK)
	if got := page1.testid("group-id"); got != all.ID {
		t.Errorf("group id %q", got)
	}
	if n := strings.Count(page1.body, `data-testid="member-row"`); n != pageSize {
		t.Errorf("first page of members has %d rows, want %d", n, pageSize)
	}
	page2 := vic.get(page1.link("next-page")).want(t, http.StatusOK)
	if n := strings.Count(page2.body, `data-testid="member-row"`); n != 55-pageSize {
		t.Errorf("second page of members has %d rows, want %d", n, 55-pageSize)
	}
	if strings.Contains(page2.body, `data-testid="next-page"`) {
		t.Error("the last page of members links to a next one")
	}
	if !strings.Contains(page1.body+page2.body, `/console/tenants/acme/users/`+members[42].ID+`" data-testid="member-link">user42@acme.example</a>`) {
		t.Error("a member is not linked to its page")
	}
	eng := vic.get(Prefix+"/tenants/acme/groups/"+f.params["group"]).want(t, http.StatusOK)
	if got := eng.testid("member-link"); got != "ada@acme.example" {
		t.Errorf("Engineering's member %q", got)
	}
	vic.get(Prefix+"/tenants/acme/groups/nope").want(t, http.StatusNotFound)

	// A user's page shows its first 50 groups, and counts the others.
	ada := vic.get(Prefix+"/tenants/acme/users/"+f.params["user"]).want(t, http.StatusOK)
	if n := strings.Count(ada.body, `data-testid="user-group-row"`); n != pageSize {
		t.Errorf("the user page shows %d groups, want %d", n, pageSize)
	}
	if got := ada.testid("more-groups"); !strings.HasPrefix(got, "And 6 more groups") {
		t.Errorf("more groups: %q", got)
	}
}
