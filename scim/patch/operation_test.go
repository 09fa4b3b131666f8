package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// opsString prints operations one a line for comparison.
func opsString(ops []Operation) string {
	var b strings.Builder
	for _, o := range ops {
		fmt.Fprintf(&b, "%s %q %s\n", o.Op, o.Path, o.Value)
	}
	return b.String()
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		maxOps   int
		want     string
		scimType string
	}{
		{
			name: "capitalised ops and key",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"ADD","path":"nickName","value":"Babs"},{"op":"Remove","path":"title"}]}`,
			want: "replace \"active\" \"False\"\nadd \"nickName\" \"Babs\"\nremove \"title\" \n",
		},
		{
			name: "lower-case operations key",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"op":"add","value":{"title":"x"}}]}`,
			want: "add \"\" {\"title\":\"x\"}\n",
		},
		{
			name: "schema in any case",
			body: `{"schemas":["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"Operations":[{"op":"remove","path":"members"}]}`,
			want: "remove \"members\" \n",
		},
		{name: "no schemas", body: `{"Operations":[{"op":"remove","path":"x"}]}`, scimType: invalidSyntax},
		{name: "wrong schema", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"remove","path":"x"}]}`, scimType: invalidSyntax},
		{name: "not JSON", body: `{"schemas":`, scimType: invalidSyntax},
		{name: "operations not an array", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{}}`, scimType: invalidSyntax},
		{name: "no operations", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`, scimType: invalidSyntax},
		{name: "unknown op", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"copy","path":"x","value":1}]}`, scimType: invalidSyntax},
		{name: "add without value", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"x"}]}`, scimType: invalidSyntax},
		{name: "replace without value", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace"}]}`, scimType: invalidSyntax},
		{name: "remove without path", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove"}]}`, scimType: noTarget},
		{name: "bad path", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"name..x"}]}`, scimType: invalidPath},
		{name: "bad filter", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"emails[type zz \"work\"]"}]}`, scimType: invalidFilter},
		{name: "too many", maxOps: 2, body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"a"},{"op":"remove","path":"b"},{"op":"remove","path":"c"}]}`, scimType: tooMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := Decode([]byte(tt.body), tt.maxOps)
			if tt.scimType != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.ScimType != tt.scimType {
					t.Fatalf("Decode(%q) = %v, want scimType %s", tt.body, err, tt.scimType)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%q) = %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, opsString(ops)); diff != "" {
				t.Errorf("Decode(%q) (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

// TestDecodeTestdata decodes every request body in testdata.
func TestDecodeTestdata(t *testing.T) {
	for _, dir := range []string{"entra", "rfc7644"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no request bodies in testdata/%s: %v", dir, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ops, err := Decode(b, MaxOperations)
			if err != nil {
				t.Errorf("Decode(%s) = %v", f, err)
				continue
			}
			for _, o := range ops {
				if o.Op != "add" && o.Op != "remove" && o.Op != "replace" {
					t.Errorf("Decode(%s): op %q not normalised", f, o.Op)
				}
				if o.Value != nil && !json.Valid(o.Value) {
					t.Errorf("Decode(%s): value %s is not JSON", f, o.Value)
				}
			}
		}
	}
}
