package patch_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
	"github.com/rosterhq/roster/scim/schema"
)

// The tests in this file apply PATCH requests as the SCIM server does: Apply
// with options built from the schema registry, then Normalize in Patched mode.

const (
	userURN     = "urn:ietf:params:scim:schemas:core:2.0:User"
	customURN   = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
	metadataURN = "urn:ietf:params:scim:schemas:extension:2.0:Metadata"
)

// testRegistry is the default registry with two tenant extensions of User:
// Entra ID's custom attributes (a multi-valued string, a string with
// canonical values) and an open Metadata extension.
func testRegistry(t testing.TB) *schema.Registry {
	t.Helper()
	r, err := schema.New().WithExtension("User", &schema.Schema{
		ID: customURN, Name: "CustomExtensionName",
		Attributes: []*schema.Attribute{
			{Name: "folders", Type: schema.String, MultiValued: true},
			{Name: "tier", Type: schema.String, CanonicalValues: []string{"Premium", "Standard"}},
		},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err = r.WithExtension("User", &schema.Schema{ID: metadataURN, Name: "Metadata", Open: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// registryOptions adapts reg to Apply as scim/server's patchOptions does.
func registryOptions(reg *schema.Registry, resourceType, coreURN string) patch.Options {
	return patch.Options{
		CoreURN: coreURN,
		Attr: func(p filter.AttrPath) (patch.Attribute, bool) {
			a, ok := reg.Lookup(resourceType, p.URN, p.Name, p.Sub)
			if !ok {
				return patch.Attribute{}, false
			}
			sc, _ := reg.Schema(p.URN)
			return patch.Attribute{Type: filterType(a.Type), MultiValued: a.MultiValued, CaseExact: a.CaseExact,
				Mutability: a.Mutability, AnyValue: sc != nil && sc.Open}, true
		},
	}
}

// filterType is scim/server's mapping of schema types to filter types.
func filterType(t schema.Type) filter.Type {
	switch t {
	case schema.Boolean:
		return filter.Boolean
	case schema.Decimal:
		return filter.Decimal
	case schema.Integer:
		return filter.Integer
	case schema.DateTime:
		return filter.DateTime
	case schema.Reference:
		return filter.Reference
	case schema.Binary:
		return filter.Binary
	case schema.Complex:
		return filter.Complex
	}
	return filter.String
}

// patchUser applies the PatchOp body to the stored user doc as the server
// does and returns the document it would store.
func patchUser(t testing.TB, reg *schema.Registry, doc map[string]any, body []byte) (map[string]any, error) {
	t.Helper()
	ops, err := patch.Decode(body, patch.MaxOperations)
	if err != nil {
		return nil, err
	}
	out, err := patch.Apply(doc, ops, registryOptions(reg, "User", userURN))
	if err != nil {
		return nil, err
	}
	return reg.Normalize("User", out, doc, schema.Options{Mode: schema.Patched})
}

// patchBody returns a PatchOp body holding the operations given as JSON.
func patchBody(ops string) []byte {
	return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`)
}

// decodeJSON decodes s as the server decodes request bodies, numbers as
// json.Number.
func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

// plainJSON round-trips v through JSON, so that documents holding int64,
// json.Number or float64 compare alike.
func plainJSON(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// scimType returns the scimType of a *patch.Error or *schema.Error.
func scimType(err error) string {
	var pe *patch.Error
	if errors.As(err, &pe) {
		return pe.ScimType
	}
	var se *schema.Error
	if errors.As(err, &se) {
		return se.ScimType
	}
	return ""
}

// TestPatchExtensions applies every PATCH form Entra ID uses for a tenant's
// extension attributes, typed and open, and checks the document stored.
func TestPatchExtensions(t *testing.T) {
	const stored = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName",
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"id":"u1","userName":"b",
		"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance","Payroll"],"tier":"Standard"},
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1"}}`
	const bare = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"b"}`
	const (
		schemasAll    = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b"`
		schemasCustom = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"],"userName":"b"`
		schemasMeta   = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b"`
		meta          = `"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1"}`
		custom        = `"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance","Payroll"],"tier":"Standard"}`
	)
	tests := []struct {
		name     string
		doc      string // the stored document; stored when empty
		ops      string // the operations, as JSON
		want     string // the document stored after the PATCH, or
		scimType string // the error
	}{
		// A typed extension, added with WithExtension.
		{
			name: "path add, multi-valued as an array",
			ops:  `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders","value":["HR","Finance"]}`,
			want: `{` + schemasAll + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance","Payroll","HR"],"tier":"Standard"},` + meta + `}`,
		},
		{
			name: "path add, multi-valued as one string",
			ops:  `{"op":"add","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders","value":"HR"}`,
			want: `{` + schemasAll + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance","Payroll","HR"],"tier":"Standard"},` + meta + `}`,
		},
		{
			name: "path replace, multi-valued as one string",
			ops:  `{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:FOLDERS","value":"HR"}`,
			want: `{` + schemasAll + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["HR"],"tier":"Standard"},` + meta + `}`,
		},
		{
			name: "path remove of one value",
			ops:  `{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders","value":["Finance"]}`,
			want: `{` + schemasAll + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Payroll"],"tier":"Standard"},` + meta + `}`,
		},
		{
			name: "path remove of a value filter",
			ops:  `{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders[value eq \"payroll\"]"}`,
			want: `{` + schemasAll + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance"],"tier":"Standard"},` + meta + `}`,
		},
		{
			name: "path remove of every attribute removes the extension",
			ops: `{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders"},
				{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:tier"}`,
			want: `{` + schemasMeta + `,` + meta + `}`,
		},
		{
			name: "path add creates the extension",
			doc:  bare,
			ops:  `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders","value":"HR"}`,
			want: `{` + schemasCustom + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["HR"]}}`,
		},
		{
			name: "no path, full-path keys",
			ops: `{"op":"Replace","value":{"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders":"HR",
				"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:tier":"premium"}}`,
			want: `{` + schemasAll + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["HR"],"tier":"Premium"},` + meta + `}`,
		},
		{
			name: "no path, URN object",
			doc:  bare,
			ops:  `{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["A","B"],"TIER":"STANDARD"}}}`,
			want: `{` + schemasCustom + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["A","B"],"tier":"Standard"}}`,
		},
		{
			name: "canonical value in another case takes the canonical spelling",
			ops:  `{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:tier","value":"PREMIUM"}`,
			want: `{` + schemasAll + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance","Payroll"],"tier":"Premium"},` + meta + `}`,
		},
		{
			name:     "value outside the canonical values",
			ops:      `{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:tier","value":"Gold"}`,
			scimType: "invalidValue",
		},
		{
			name:     "number for a string",
			ops:      `{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:tier","value":3}`,
			scimType: "invalidValue",
		},
		{
			name:     "unknown attribute of a typed extension",
			ops:      `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:badge","value":"x"}`,
			scimType: "invalidSyntax",
		},

		// An open extension: any key, values stored as strings.
		{
			name: "open: path add of a number",
			ops:  `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:level","value":3.50}`,
			want: `{` + schemasAll + `,` + custom + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1","level":"3.50"}}`,
		},
		{
			name: "open: path replace with an object, a boolean, an array and a string",
			ops: `{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode","value":{"b":2,"a":[1,"x"]}},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:vip","value":true},
				{"op":"add","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:sites","value":["Oslo","Bergen"]},
				{"op":"add","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:flag","value":"True"}`,
			want: `{` + schemasAll + `,` + custom + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"{\"a\":[1,\"x\"],\"b\":2}",
				"vip":"true","sites":"[\"Oslo\",\"Bergen\"]","flag":"True"}}`,
		},
		{
			name: "open: add of an array to a key holding a string replaces it",
			ops:  `{"op":"add","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode","value":["a"]}`,
			want: `{` + schemasAll + `,` + custom + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"[\"a\"]"}}`,
		},
		{
			name: "open: a key in another case keeps the stored spelling",
			ops:  `{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:COSTCODE","value":"CC-2"}`,
			want: `{` + schemasAll + `,` + custom + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-2"}}`,
		},
		{
			name: "open: path remove removes the key, and the extension when empty",
			ops:  `{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode"}`,
			want: `{` + schemasCustom + `,` + custom + `}`,
		},
		{
			name: "open: replace with null removes the key",
			ops:  `{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode","value":null}`,
			want: `{` + schemasCustom + `,` + custom + `}`,
		},
		{
			name: "open: no path, full-path keys",
			ops: `{"op":"Replace","value":{"urn:ietf:params:scim:schemas:extension:2.0:Metadata:site":"Oslo",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata:Level":2,"displayName":"B"}}`,
			want: `{` + schemasAll + `,"displayName":"B",` + custom + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1","site":"Oslo","Level":"2"}}`,
		},
		{
			name: "open: no path, URN object",
			doc:  bare,
			ops:  `{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"site":"Oslo","level":2,"tags":{"x":null}}}}`,
			want: `{` + schemasMeta + `,"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"site":"Oslo","level":"2","tags":"{\"x\":null}"}}`,
		},
		{
			name:     "open: a sub-attribute path",
			ops:      `{"op":"add","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode.value","value":"x"}`,
			scimType: "invalidPath",
		},
		{
			name:     "open: a value filter",
			ops:      `{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode[value eq \"CC-1\"]","value":"x"}`,
			scimType: "invalidPath",
		},
		{
			name:     "open: a bare name is not captured by the open extension",
			ops:      `{"op":"add","path":"site","value":"Oslo"}`,
			scimType: "invalidSyntax", // an unknown core attribute, as without the extension
		},
	}
	reg := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.doc
			if src == "" {
				src = stored
			}
			doc := decodeJSON(t, src)
			before := plainJSON(t, doc)
			got, err := patchUser(t, reg, doc, patchBody(tt.ops))
			if diff := cmp.Diff(before, plainJSON(t, doc)); diff != "" {
				t.Errorf("PATCH changed the stored document (-before +after):\n%s", diff)
			}
			if tt.scimType != "" {
				if scimType(err) != tt.scimType {
					t.Fatalf("PATCH %s = %v, want scimType %s", tt.ops, err, tt.scimType)
				}
				return
			}
			if err != nil {
				t.Fatalf("PATCH %s = %v, want success", tt.ops, err)
			}
			if diff := cmp.Diff(plainJSON(t, decodeJSON(t, tt.want)), plainJSON(t, got)); diff != "" {
				t.Errorf("PATCH %s mismatch (-want +got):\n%s", tt.ops, diff)
			}
		})
	}
}

// FuzzApplyNormalize applies arbitrary PatchOp bodies to a stored user as the
// server does: neither step may panic, every error must be a *patch.Error or
// a *schema.Error, and the document stored must normalise to itself.
func FuzzApplyNormalize(f *testing.F) {
	for _, dir := range []string{"entra", "entra-roles", "rfc7644"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add(patchBody(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:2.0:Metadata:x","value":{"a":[1.5e300,null]}},` +
		`{"op":"Replace","value":{"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":"a","tier":"premium"}}}`))
	reg := testRegistry(f)
	doc := decodeJSON(f, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName",
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"id":"u1","userName":"b","emails":[{"value":"b@example.com","primary":true}],
		"roles":[{"value":"Admin","primary":true}],
		"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance"],"tier":"Standard"},
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1"}}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := patchUser(t, reg, doc, body)
		if err != nil {
			if scimType(err) == "" {
				t.Fatalf("PATCH %q = %v, neither a *patch.Error nor a *schema.Error", body, err)
			}
			return
		}
		again, err := reg.Normalize("User", got, got, schema.Options{Mode: schema.Patched})
		if err != nil {
			t.Fatalf("Normalize(PATCH %q) again = %v", body, err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("Normalize(PATCH %q) is not stable (-once +twice):\n%s", body, diff)
		}
	})
}
