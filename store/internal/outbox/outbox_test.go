package outbox

import (
	"encoding/json"
	"testing"

	"github.com/rosterhq/roster"
)

// TestBody checks that Body renders each kind of payload as json.Marshal does.
func TestBody(t *testing.T) {
	u := &roster.User{ID: "u1", UserName: "ada@example.com", Active: false,
		Doc: map[string]any{"userName": "ada@example.com", "active": false, "name": map[string]any{"givenName": "Ada <&>"},
			"emails": []any{map[string]any{"value": "ada@example.com", "primary": true}}, "n": json.Number("12")},
		Entitlements: roster.Entitlements{Active: false, AccessRole: "viewer", Licenses: []string{"pro"}}}
	old := map[string]any{"userName": "ada@example.com", "active": true, "title": "Engineer"}
	for _, tt := range []struct {
		name string
		e    Event
	}{
		{"user written", UserWritten("u1", true, old, "", u)},
		{"user created", UserCreated("u1", u)},
		{"user retired", UserRetired("u1", u.Doc)},
		{"members", Members("g1", map[string]any{"displayName": "Sales"}, []string{"a", "b"}, []string{"c"})[1]},
		{"group updated", GroupUpdated("g1", map[string]any{"displayName": "A"}, map[string]any{"displayName": "B"})},
		{"deleted", Created(roster.UserDeleted, "User", "u1", nil, nil)},
		{"empty", Event{Type: "x"}},
	} {
		got, err := tt.e.Body()
		if err != nil {
			t.Fatalf("%s: Body() = %v", tt.name, err)
		}
		want, err := json.Marshal(tt.e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: Body() = %s\nwant (json.Marshal) %s", tt.name, got, want)
		}
	}
	bad := Event{Type: "x", Payload: Payload{Resource: map[string]any{"n": json.Number("1x")}}}
	if _, err := bad.Body(); err == nil {
		t.Errorf("Body() of a payload with a bad number succeeded")
	}
}
