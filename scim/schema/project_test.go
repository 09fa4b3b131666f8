package schema_test

import (
	"iter"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const storedUser = `{
	"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata"],
	"id":"2819c223","externalId":"701984","meta":{"resourceType":"User","version":"W/\"1\""},
	"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,"password":"leaked",
	"emails":[{"value":"b@example.com","type":"work","primary":true},{"value":"bj@example.com","type":"home"}],
	"groups":[{"value":"e9e30dba","display":"Tour Guides"}],
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tours","manager":{"value":"m1","displayName":"Boss"}},
	"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","secret":"s"},
	"legacyField":"x"
}`

func TestProject(t *testing.T) {
	const (
		core = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"id":"2819c223"`
		ent = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tours","manager":{"value":"m1","displayName":"Boss"}}`
	)
	tests := []struct {
		name       string
		attributes []string
		excluded   []string
		want       string
	}{
		{
			name: "default set: never and request attributes removed",
			want: `{` + core + `,"externalId":"701984","meta":{"resourceType":"User","version":"W/\"1\""},
				"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
				"emails":[{"value":"b@example.com","type":"work","primary":true},{"value":"bj@example.com","type":"home"}],
				"groups":[{"value":"e9e30dba","display":"Tour Guides"}],` + ent + `,
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c"},"legacyField":"x"}`,
		},
		{
			name:       "attributes: named ones and always ones",
			attributes: []string{"userName", "NAME.givenName"},
			want:       `{` + core + `,"userName":"bjensen","name":{"givenName":"Barbara"}}`,
		},
		{
			name:       "attributes: sub-attribute of a multi-valued attribute",
			attributes: []string{"emails.value"},
			want:       `{` + core + `,"emails":[{"value":"b@example.com"},{"value":"bj@example.com"}]}`,
		},
		{
			name:       "attributes: whole multi-valued attribute",
			attributes: []string{"emails"},
			want:       `{` + core + `,"emails":[{"value":"b@example.com","type":"work","primary":true},{"value":"bj@example.com","type":"home"}]}`,
		},
		{
			name:       "attributes: full URN path of an extension attribute",
			attributes: []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
			want:       `{` + core + `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tours"}}`,
		},
		{
			name:       "attributes: full URN path of an extension sub-attribute",
			attributes: []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:MANAGER.value"},
			want:       `{` + core + `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}}`,
		},
		{
			name:       "attributes: whole extension",
			attributes: []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			want:       `{` + core + `,` + ent + `}`,
		},
		{
			name:       "attributes: core URN path",
			attributes: []string{"urn:ietf:params:scim:schemas:core:2.0:User:userName"},
			want:       `{` + core + `,"userName":"bjensen"}`,
		},
		{
			name:       "attributes: returned=request attribute when named",
			attributes: []string{"urn:ietf:params:scim:schemas:extension:2.0:Metadata:secret"},
			want:       `{` + core + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"secret":"s"}}`,
		},
		{
			name:       "attributes: returned=never even when named",
			attributes: []string{"password", "userName"},
			want:       `{` + core + `,"userName":"bjensen"}`,
		},
		{
			name:       "attributes: unknown paths ignored",
			attributes: []string{"nosuch", "name.nosuch", "urn:example:x:y", "userName"},
			want:       `{` + core + `,"userName":"bjensen"}`,
		},
		{
			name:       "attributes win over excludedAttributes",
			attributes: []string{"userName"},
			excluded:   []string{"userName"},
			want:       `{` + core + `,"userName":"bjensen"}`,
		},
		{
			name:     "excludedAttributes: attributes and sub-attributes",
			excluded: []string{"emails", "name.familyName", "groups", "meta", "externalId", "legacyField"},
			want: `{` + core + `,"userName":"bjensen","name":{"givenName":"Barbara"},"active":true,` + ent + `,
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c"},"legacyField":"x"}`,
		},
		{
			name:     "excludedAttributes: returned=always cannot be excluded",
			excluded: []string{"id", "schemas", "userName", "name", "active", "emails", "groups", "meta", "externalId", "legacyField"},
			want:     `{` + core + `,` + ent + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c"},"legacyField":"x"}`,
		},
		{
			name: "excludedAttributes: URN paths and a whole extension",
			excluded: []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata", "userName", "name", "active", "emails", "groups", "meta", "externalId"},
			want: `{` + core + `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tours","manager":{"value":"m1"}},"legacyField":"x"}`,
		},
	}
	r := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := decode(t, storedUser, false)
			before := canonicalJSON(t, doc)
			got := r.Project("User", doc, tt.attributes, tt.excluded)
			if diff := cmp.Diff(decode(t, tt.want, false), canonicalJSON(t, got)); diff != "" {
				t.Errorf("Project(%q, %q) mismatch (-want +got):\n%s", tt.attributes, tt.excluded, diff)
			}
			if diff := cmp.Diff(before, canonicalJSON(t, doc)); diff != "" {
				t.Errorf("Project modified its input (-before +after):\n%s", diff)
			}
		})
	}
}

// TestProjectGroupMembers is Entra ID's group lookup, which excludes members.
func TestProjectGroupMembers(t *testing.T) {
	doc := decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"Admins",
		"members":[{"value":"u1"},{"value":"u2"}],"meta":{"resourceType":"Group"}}`, false)
	got := testRegistry(t).Project("group", doc, nil, []string{"members"})
	want := decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"Admins","meta":{"resourceType":"Group"}}`, false)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Project(excludedAttributes=members) mismatch (-want +got):\n%s", diff)
	}
}

// TestUnchanged holds Unchanged to Project: a member it calls unchanged is
// returned by Project, with neither attributes nor excluded, under the same
// key with the same value; and it names the members Project changes.
func TestUnchanged(t *testing.T) {
	r := testRegistry(t)
	doc := decode(t, storedUser, true)
	for k, v := range decode(t, `{"Name":{"givenName":"B"},"DisplayName":"B","nickName":"b",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"department":"x"},
		"urn:ietf:params:scim:schemas:extension:2.0:Tags":{"Site":"Oslo"},
		"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{},
		"urn:example:unknown":{"a":1},"x-list":[1,2]}`, true) {
		doc[k] = v
	}
	changed := map[string]bool{
		"password": true, "Name": true, "DisplayName": true,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":     true, // the URN in another case
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata":            true, // holds a returned=request key
		"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName": true, // empty
	}
	for k, v := range doc {
		var keys iter.Seq[string]
		if m, ok := v.(map[string]any); ok {
			keys = maps.Keys(m)
		}
		got := r.Unchanged("User", k, keys)
		if got == changed[k] {
			t.Errorf("Unchanged(%q) = %v, want %v", k, got, !changed[k])
		}
		if !got {
			continue
		}
		want := map[string]any{k: v}
		if diff := cmp.Diff(want, r.Project("User", want, nil, nil)); diff != "" {
			t.Errorf("Unchanged(%q) = true, but Project changes it (-want +got):\n%s", k, diff)
		}
	}
}
