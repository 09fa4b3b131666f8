package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// TestLoginMethodEvent changes a user's login method with roster user
// login-method: the change bumps the version the app API reads, and the
// events feed has its user.updated, with the new method and the old one.
// Setting the method it has already changes nothing and tells nothing; a
// change through SCIM tells it as well.
func TestLoginMethodEvent(t *testing.T) { forEachStore(t, testLoginMethodEvent) }

func testLoginMethodEvent(t *testing.T, db string) {
	s := startServer(t, db)
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "app"))
	ada := s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "ada@example.com", "ada@example.com")).want(t, 201)
	id := str(ada.body, "id")
	feed := s.app(t, key, "/events").want(t, 200)
	cursor := str(feed.body, "next_cursor")

	s.cli(t, "user", "login-method", "--tenant", "default", "ada@example.com", "password")
	if v := get(s.app(t, key, "/users/"+id).want(t, 200).body, "version"); v != float64(2) {
		t.Errorf("version after the change = %v, want 2", v)
	}
	r := s.app(t, key, "/events?after="+cursor).want(t, 200)
	if got := eventTypes(r); strings.Join(got, " ") != roster.UserUpdated {
		t.Fatalf("events after the change: %v, want one user.updated\n%s", got, r.raw)
	}
	e := get(r.body, "data", 0)
	if str(e, "resource_id") != id || str(e, "resource", roster.SignInURN, "loginMethod") != "password" ||
		str(e, "previous", roster.SignInURN, "loginMethod") != "idp" || str(e, "resource", "userName") != "ada@example.com" {
		t.Errorf("user.updated of the change = %s", r.raw)
	}

	s.cli(t, "user", "login-method", "--tenant", "default", "ada@example.com", "password")
	r = s.app(t, key, "/events?after="+str(r.body, "next_cursor")).want(t, 200)
	if len(eventTypes(r)) != 0 {
		t.Errorf("events after setting the same method: %s", r.raw)
	}

	// Through SCIM, the update's event says so too.
	s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"replace","path":"`+roster.SignInURN+`:loginMethod","value":"either"}]}`).want(t, 200)
	r = s.app(t, key, "/events?after="+str(r.body, "next_cursor")).want(t, 200)
	e = get(r.body, "data", 0)
	if str(e, "type") != roster.UserUpdated || str(e, "resource", roster.SignInURN, "loginMethod") != "either" ||
		str(e, "previous", roster.SignInURN, "loginMethod") != "password" {
		t.Errorf("user.updated of a SCIM change of method = %s", r.raw)
	}
}
