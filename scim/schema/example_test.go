package schema_test

import (
	"fmt"

	"github.com/rosterhq/roster/scim/schema"
)

func Example() {
	base := schema.New()

	// A tenant's custom attributes, as Entra ID sends them.
	custom := &schema.Schema{
		ID:   "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName",
		Name: "CustomExtensionName",
		Attributes: []*schema.Attribute{
			{Name: "folders", Type: schema.String, MultiValued: true},
		},
	}
	r, err := base.WithExtension("User", custom, false)
	if err != nil {
		fmt.Println(err)
		return
	}

	a, ok := r.Lookup("User", "", "emails", "value")
	fmt.Println(a.Name, a.Type, a.CaseExact, ok)
	a, ok = r.Lookup("User", custom.ID, "FOLDERS", "")
	fmt.Println(a.Name, a.MultiValued, a.Mutability, ok)
	_, ok = base.Lookup("User", custom.ID, "folders", "")
	fmt.Println("base registry knows folders:", ok)

	doc, err := r.Normalize("User", map[string]any{
		"USERNAME": "bjensen@example.com",
		"active":   "True",
		"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders": "Finance",
	}, nil, schema.Options{Mode: schema.Create})
	fmt.Println(doc["userName"], doc["active"], doc[custom.ID], err)
	fmt.Println(doc["schemas"])

	_, err = r.Normalize("User", map[string]any{"displayName": "Babs"}, nil, schema.Options{})
	fmt.Println(err)
	// Output:
	// value string false true
	// folders true readWrite true
	// base registry knows folders: false
	// bjensen@example.com true map[folders:[Finance]] <nil>
	// [urn:ietf:params:scim:schemas:core:2.0:User urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName]
	// schema: userName is required
}

// A tenant's free-form extension: any key is accepted, and values are stored
// as strings.
func ExampleRegistry_WithExtension_open() {
	metadata := &schema.Schema{
		ID:   "urn:ietf:params:scim:schemas:extension:2.0:Metadata",
		Name: "Metadata",
		Open: true,
	}
	r, err := schema.New().WithExtension("User", metadata, false)
	if err != nil {
		fmt.Println(err)
		return
	}

	doc, err := r.Normalize("User", map[string]any{
		"userName": "bjensen@example.com",
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode": "CC-1",
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata": map[string]any{
			"badges": []any{"gold", 3.0},
			"vip":    true,
		},
	}, nil, schema.Options{Mode: schema.Create})
	fmt.Println(doc[metadata.ID], err)

	a, ok := r.Lookup("User", metadata.ID, "costCode", "")
	fmt.Println(a.Name, a.Type, a.MultiValued, a.Mutability, ok)
	// Output:
	// map[badges:["gold",3] costCode:CC-1 vip:true] <nil>
	// costCode string false readWrite true
}

func ExampleRegistry_Project() {
	r := schema.New()
	doc := map[string]any{
		"schemas":     []any{schema.GroupURN},
		"id":          "e9e30dba",
		"displayName": "Tour Guides",
		"members":     []any{map[string]any{"value": "2819c223"}},
	}
	fmt.Println(r.Project("Group", doc, nil, []string{"members"}))
	fmt.Println(r.Project("Group", doc, []string{"members.value"}, nil))
	// Output:
	// map[displayName:Tour Guides id:e9e30dba schemas:[urn:ietf:params:scim:schemas:core:2.0:Group]]
	// map[id:e9e30dba members:[map[value:2819c223]] schemas:[urn:ietf:params:scim:schemas:core:2.0:Group]]
}
