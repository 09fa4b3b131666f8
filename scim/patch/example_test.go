package patch_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
)

func ExampleApply() {
	// A request as Microsoft Entra ID sends it: capitalised ops, a value path
	// on a user without a work email yet, and a boolean as a string.
	body := []byte(`{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [
			{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"},
			{"op": "Replace", "path": "name.familyName", "value": "Jensen"},
			{"op": "Replace", "path": "active", "value": "False"}
		]
	}`)
	ops, err := patch.Decode(body, patch.MaxOperations)
	if err != nil {
		fmt.Println(err)
		return
	}
	doc := map[string]any{
		"schemas":  []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "bjensen",
		"active":   true,
	}
	opts := patch.Options{
		CoreURN: "urn:ietf:params:scim:schemas:core:2.0:User",
		Attr: func(p filter.AttrPath) (patch.Attribute, bool) {
			// A server asks its schema registry; this knows one attribute.
			if strings.EqualFold(p.Name, "active") {
				return patch.Attribute{Type: filter.Boolean}, true
			}
			return patch.Attribute{}, false
		},
	}
	out, err := patch.Apply(doc, ops, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	// Output:
	// {"active":false,"emails":[{"type":"work","value":"babs@example.com"}],"name":{"familyName":"Jensen"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}
}
