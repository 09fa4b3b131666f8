package server

import (
	"encoding/json"
	"testing"

	"github.com/rosterhq/roster"
)

// TestAppendMember checks the hand-written member JSON against encoding/json
// on the memberDoc map, for names that need escaping.
func TestAppendMember(t *testing.T) {
	for _, m := range []roster.Member{
		{ID: "u1", Type: roster.MemberUser, Display: "Ada"},
		{ID: "g1", Type: roster.MemberGroup},
		{ID: "u2", Type: roster.MemberUser, Display: "\"Q\" <b>&\\ \t\n\x01 é\u2028\u2029 \xff"},
	} {
		want, err := json.Marshal(memberDoc(m, "https://id.example.com/scim/v2"))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendMember(nil, m, "https://id.example.com/scim/v2"); string(got) != string(want) {
			t.Errorf("appendMember(%q)\n got %s\nwant %s", m.Display, got, want)
		}
	}
}
