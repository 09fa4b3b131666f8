package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// TestOwnershipInvalid refuses ownership fields that name no attribute, an
// attribute the IdP must own, or an unknown mode.
func TestOwnershipInvalid(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown mode", `"attributes":{"title":"mine"}`, `attributes["title"]`},
		{"empty mode", `"attributes":{"title":""}`, `attributes["title"]`},
		{"no such attribute", `"attributes":{"shoeSize":"app"}`, "no such User attribute"},
		{"userName", `"attributes":{"userName":"app"}`, "matches users by userName"},
		{"read-only", `"attributes":{"id":"app"}`, "not the IdP's to give away"},
		{"allow", `"allow":["nope"]`, `allow[0]`},
		{"sync", `"sync":"sometimes"`, `sync "sometimes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(`{"format":1,` + tt.doc + `}`))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%s) = %v, want an error with %q", tt.doc, err, tt.want)
			}
		})
	}
}

// TestTake applies each ownership mode to an IdP's create, update and
// adoption, and checks what is stored and what is kept of the IdP.
func TestTake(t *testing.T) {
	p, err := Parse([]byte(`{"format":1,"attributes":{"title":"create-only","department":"app","nickName":"ignore"}}`))
	if err != nil {
		t.Fatal(err)
	}
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	doc := func(s string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	sent := `{"userName":"ada","title":"Manager","nickName":"A","displayName":"Ada","` + ent + `":{"department":"Ops"}}`
	tests := []struct {
		name    string
		old     *roster.User
		want    string // the stored document
		idp     string // the IdP values kept
		reasons string
	}{
		{"create", nil,
			`{"displayName":"Ada","title":"Manager","userName":"ada"}`,
			`{"nickName":"A","` + ent + `:department":"Ops"}`, "attribute_ignored attribute_app_owned"},
		{"update", &roster.User{Doc: doc(`{"userName":"ada","title":"Engineer","displayName":"A.","` + ent + `":{"department":"Sales"}}`)},
			`{"displayName":"Ada","title":"Engineer","` + ent + `":{"department":"Sales"},"userName":"ada"}`,
			`{"nickName":"A","title":"Manager","` + ent + `:department":"Ops"}`, "attribute_ignored attribute_create_only attribute_app_owned"},
		{"update the IdP sent before", &roster.User{Doc: doc(`{"userName":"ada","title":"Engineer","displayName":"Ada"}`),
			IdP: map[string]any{"title": "Manager", "nickName": "A", ent + ":department": "Ops"}},
			`{"displayName":"Ada","title":"Engineer","userName":"ada"}`,
			`{"nickName":"A","title":"Manager","` + ent + `:department":"Ops"}`, ""},
		{"adoption", &roster.User{AwaitingAdoption: true, Doc: doc(`{"userName":"ada","title":"Engineer","` + ent + `":{"department":"Sales"}}`)},
			`{"displayName":"Ada","title":"Manager","` + ent + `":{"department":"Sales"},"userName":"ada"}`,
			`{"nickName":"A","` + ent + `:department":"Ops"}`, "attribute_ignored attribute_app_owned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := doc(sent)
			taken := p.Take(tt.old, d)
			if got := jsonText(t, d); got != tt.want {
				t.Errorf("Take stored %s, want %s", got, tt.want)
			}
			if got := jsonText(t, taken.IdP); got != tt.idp {
				t.Errorf("Take kept of the IdP %s, want %s", got, tt.idp)
			}
			if got := strings.Join(taken.Reasons, " "); got != tt.reasons {
				t.Errorf("Take reasons %q, want %q", got, tt.reasons)
			}
		})
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
