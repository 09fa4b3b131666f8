package policy

import (
	"encoding/json"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// TestNormalizeDirectory reads the same documents as each directory sends
// them: the SCIM 1.0 enterprise extension is the 2.0 one for a OneLogin
// tenant only, under every unknown-attributes choice.
func TestNormalizeDirectory(t *testing.T) {
	const ext2 = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	onelogin := `{"schemas":["urn:scim:schemas:core:1.0","urn:scim:schemas:extension:enterprise:1.0"],"userName":"a",
		"urn:scim:schemas:extension:enterprise:1.0":{"department":"D","manager":{"managerId":"m1","displayName":"M"}}}`
	for _, tt := range []struct {
		name, unknown string
		dir           roster.Directory
		doc, want     string // want: the canonical document, or "error: " and the attribute at fault
	}{
		{"onelogin", "reject", roster.DirectoryOneLogin, onelogin,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ext2 + `],"userName":"a",` + ext2 + `:{"department":"D","manager":{"value":"m1"}}}`},
		{"onelogin, unknown attributes stored", "store", roster.DirectoryOneLogin, onelogin,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ext2 + `,"urn:scim:schemas:core:1.0"],"userName":"a",` + ext2 + `:{"department":"D","manager":{"value":"m1"}}}`},
		{"onelogin, spelt in capitals", "reject", roster.DirectoryOneLogin,
			`{"userName":"a","URN:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:1.0":{"Manager":{"ManagerID":"m1"}}}`,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ext2 + `],"userName":"a",` + ext2 + `:{"manager":{"value":"m1"}}}`},
		{"onelogin, no manager", "reject", roster.DirectoryOneLogin,
			`{"userName":"a","urn:scim:schemas:extension:enterprise:1.0":{"department":"D","manager":{"managerId":"","displayName":" "}}}`,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ext2 + `],"userName":"a",` + ext2 + `:{"department":"D"}}`},
		{"onelogin, both extensions", "reject", roster.DirectoryOneLogin,
			`{"userName":"a","urn:scim:schemas:extension:enterprise:1.0":{"department":"D"},` + ext2 + `:{"department":"E"}}`,
			"error: urn:scim:schemas:extension:enterprise:1.0"},
		{"onelogin, not an object", "reject", roster.DirectoryOneLogin,
			`{"userName":"a","urn:scim:schemas:extension:enterprise:1.0":"D"}`,
			"error: urn:scim:schemas:extension:enterprise:1.0"},
		{"onelogin, a 2.0 document", "reject", roster.DirectoryOneLogin,
			`{"userName":"a",` + ext2 + `:{"department":"E"}}`,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ext2 + `],"userName":"a",` + ext2 + `:{"department":"E"}}`},
		{"okta", "reject", roster.DirectoryOkta, onelogin, "error: urn:scim:schemas:extension:enterprise:1.0"},
		{"none chosen", "reject", "", onelogin, "error: urn:scim:schemas:extension:enterprise:1.0"},
		{"none chosen, unknown attributes ignored", "ignore", "", onelogin, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, `{"format":1,"unknownAttributes":"`+tt.unknown+`"}`)
			var doc map[string]any
			if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(doc)
			out, err := p.Normalize(tt.dir, "User", doc, nil, schema.Create)
			got := ""
			if se, ok := err.(*schema.Error); ok {
				got = "error: " + se.Attr
			} else if err != nil {
				t.Fatalf("Normalize = %v, want a *schema.Error", err)
			} else {
				b, _ := json.Marshal(out)
				got = string(b)
			}
			if got != compactJSON(t, tt.want) {
				t.Errorf("Normalize(%s, %s) =\n %s\nwant\n %s", tt.dir, tt.doc, got, compactJSON(t, tt.want))
			}
			if after, _ := json.Marshal(doc); string(after) != string(before) {
				t.Errorf("Normalize modified its input:\n %s\nwas\n %s", after, before)
			}
		})
	}
}

// compactJSON returns s re-encoded with sorted keys, s itself when it is not JSON.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
