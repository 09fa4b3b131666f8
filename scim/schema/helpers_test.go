package schema_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/schema"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const (
	customURN   = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
	metadataURN = "urn:ietf:params:scim:schemas:extension:2.0:Metadata"
	tagsURN     = "urn:ietf:params:scim:schemas:extension:2.0:Tags"
)

// customSchema is the extension Entra ID sends custom attributes under, with
// a multi-valued string as its folders attribute.
func customSchema() *schema.Schema {
	return &schema.Schema{
		ID: customURN, Name: "CustomExtensionName", Description: "Custom attributes",
		Attributes: []*schema.Attribute{
			{Name: "folders", Type: schema.String, MultiValued: true, Description: "Folders the user can open."},
		},
	}
}

// metadataSchema exercises every type and characteristic an extension can have.
func metadataSchema() *schema.Schema {
	return &schema.Schema{
		ID: metadataURN, Name: "Metadata",
		Attributes: []*schema.Attribute{
			{Name: "costCode", Type: schema.String, Required: true},
			{Name: "tier", Type: schema.String, CanonicalValues: []string{"Premium", "Standard"}},
			{Name: "badge", Type: schema.String, Mutability: "immutable", CaseExact: true},
			{Name: "hireDate", Type: schema.DateTime},
			{Name: "level", Type: schema.Integer},
			{Name: "score", Type: schema.Decimal},
			{Name: "secret", Type: schema.String, Returned: "request"},
			{Name: "offices", Type: schema.Complex, MultiValued: true, SubAttributes: []*schema.Attribute{
				{Name: "name", Type: schema.String, Required: true},
				{Name: "floor", Type: schema.Integer},
				{Name: "primary", Type: schema.Boolean},
			}},
		},
	}
}

// tagsSchema is an open extension: any key, string values.
func tagsSchema() *schema.Schema {
	return &schema.Schema{ID: tagsURN, Name: "Tags", Description: "A tenant's own labels", Open: true}
}

// testRegistry is the default registry with the custom and metadata
// extensions of User, and the open tags extension.
func testRegistry(t testing.TB) *schema.Registry {
	t.Helper()
	r, err := schema.New().WithExtension("User", customSchema(), false)
	if err != nil {
		t.Fatalf("WithExtension(custom) = %v", err)
	}
	r, err = r.WithExtension("User", metadataSchema(), false)
	if err != nil {
		t.Fatalf("WithExtension(metadata) = %v", err)
	}
	r, err = r.WithExtension("User", tagsSchema(), false)
	if err != nil {
		t.Fatalf("WithExtension(tags) = %v", err)
	}
	return r
}

// decode decodes a JSON object as the SCIM server does; numbers become
// float64, or json.Number with useNumber.
func decode(t testing.TB, s string, useNumber bool) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	if useNumber {
		d.UseNumber()
	}
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

// canonicalJSON round-trips v through JSON, so documents holding int64,
// json.Number or float64 compare alike.
func canonicalJSON(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-file +output); run go test -update and review:\n%s", p, diff)
	}
}
