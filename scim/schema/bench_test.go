package schema_test

import (
	"testing"

	"github.com/rosterhq/roster/scim/schema"
)

// BenchmarkNormalize normalises an Entra ID user POST body with the
// enterprise extension and a custom attribute.
func BenchmarkNormalize(b *testing.B) {
	r := testRegistry(b)
	doc := decode(b, string(readFile(b, "user-enterprise.json")), false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Normalize("User", doc, nil, schema.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProject projects a stored user as a GET without parameters and
// as Entra ID's lookup with attributes.
func BenchmarkProject(b *testing.B) {
	r := testRegistry(b)
	doc, err := r.Normalize("User", decode(b, string(readFile(b, "user-enterprise.json")), false), nil, schema.Options{})
	if err != nil {
		b.Fatal(err)
	}
	doc["id"] = "2819c223"
	doc["meta"] = map[string]any{"resourceType": "User"}
	b.Run("default", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.Project("User", doc, nil, nil)
		}
	})
	b.Run("attributes", func(b *testing.B) {
		attrs := []string{"userName", "emails.value", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}
		b.ReportAllocs()
		for b.Loop() {
			r.Project("User", doc, attrs, nil)
		}
	})
}
