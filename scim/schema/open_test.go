package schema_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/schema"
)

func TestNormalizeOpen(t *testing.T) {
	const (
		schemasTags = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Tags"]`
		schemasCore = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
	)
	tests := []struct {
		name      string
		doc       string
		prior     string
		mode      schema.Mode
		useFloats bool          // decode numbers as float64 rather than json.Number, as the server does
		want      string        // the normalised document as JSON
		err       *schema.Error // or the error
	}{
		{
			name: "values of every type stored as strings",
			doc: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","level":3,"ratio":2.50,
				"big":12345678901234567890,"vip":true,"gone":null,"empty":"",
				"obj":{"b":[1,"x<y>&z"],"a":null},"arr":[1,"two",false,{"é":"ü"}]}}`,
			want: `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","level":"3",
				"ratio":"2.50","big":"12345678901234567890","vip":"true","empty":"",
				"obj":"{\"a\":null,\"b\":[1,\"x<y>&z\"]}","arr":"[1,\"two\",false,{\"é\":\"ü\"}]"}}`,
		},
		{
			name:      "numbers decoded as float64",
			doc:       `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"ratio":2.50,"huge":1e21,"n":-0.5}}`,
			useFloats: true,
			want:      `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"ratio":"2.5","huge":"1e+21","n":"-0.5"}}`,
		},
		{
			name: "Entra full paths, without the URN in schemas",
			doc: `{` + schemasCore + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags:costCode":"CC-1",
				"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:2.0:TAGS:Level":2,"urn:ietf:params:scim:schemas:extension:2.0:Tags:a:b":"colon"}`,
			want: `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","Level":"2","a:b":"colon"}}`,
		},
		{
			name: "object and full paths together",
			doc: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1"},
				"urn:ietf:params:scim:schemas:extension:2.0:Tags:site":"Oslo"}`,
			want: `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","site":"Oslo"}}`,
		},
		{
			name: "URN listed in schemas, keys null",
			doc:  `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":null}}`,
			want: `{` + schemasCore + `,"userName":"b"}`,
		},
		{
			name: "key given as object key and full path",
			doc: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"x"},
				"urn:ietf:params:scim:schemas:extension:2.0:Tags:costCode":"y"}`,
			err: &schema.Error{ScimType: "invalidSyntax", Attr: tagsURN + ":costCode", Detail: tagsURN + ":costCode: attribute given more than once"},
		},
		{
			name: "key given twice in different case",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"x","COSTCODE":null}}`,
			err:  &schema.Error{ScimType: "invalidSyntax", Attr: tagsURN + ":COSTCODE", Detail: tagsURN + ":COSTCODE: attribute given more than once"},
		},
		{
			name: "empty key",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"":"x"}}`,
			err:  &schema.Error{ScimType: "invalidSyntax", Attr: tagsURN + ":", Detail: tagsURN + ":: empty attribute name"},
		},
		{
			name: "extension value not an object",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":"x"}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: tagsURN, Detail: tagsURN + `: expected an object, got "x"`},
		},
		{
			name:  "replace: a key in another case takes the stored spelling",
			mode:  schema.Replace,
			prior: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"x","site":"Oslo"}}`,
			doc:   `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"COSTCODE":"y","NewKey":"z"}}`,
			want:  `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"y","NewKey":"z"}}`,
		},
		{
			name:  "patched: full path in another case takes the stored spelling",
			mode:  schema.Patched,
			prior: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"x"}}`,
			doc:   `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags:CostCode":"y"}`,
			want:  `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"y"}}`,
		},
		{
			name:  "create ignores the prior spelling",
			mode:  schema.Create,
			prior: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"x"}}`,
			doc:   `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"COSTCODE":"y"}}`,
			want:  `{` + schemasTags + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"COSTCODE":"y"}}`,
		},
	}
	r := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, unknown := range []schema.Unknown{schema.Reject, schema.Keep, schema.Drop} {
				o := schema.Options{Mode: tt.mode, Unknown: unknown}
				doc := decode(t, tt.doc, !tt.useFloats)
				got, err := r.Normalize("User", doc, decode(t, tt.prior, !tt.useFloats), o)
				if tt.err != nil {
					var se *schema.Error
					if !errors.As(err, &se) || *se != *tt.err {
						t.Fatalf("Normalize(%s, %+v) error = %#v, want %#v", tt.doc, o, err, tt.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("Normalize(%s, %+v) = %v, want success", tt.doc, o, err)
				}
				if diff := cmp.Diff(decode(t, tt.want, false), canonicalJSON(t, got)); diff != "" {
					t.Errorf("Normalize(%s, %+v) mismatch (-want +got):\n%s", tt.doc, o, diff)
				}
				again, err := r.Normalize("User", got, nil, o)
				if err != nil || !cmp.Equal(got, again) {
					t.Errorf("Normalize is not idempotent: %v\n%s", err, cmp.Diff(got, again))
				}
			}
		})
	}
}

func TestNormalizeOpenRequired(t *testing.T) {
	r, err := schema.New().WithExtension("Group", tagsSchema(), true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Normalize("Group", map[string]any{"displayName": "g", tagsURN: map[string]any{"x": nil}}, nil, schema.Options{})
	var se *schema.Error
	if !errors.As(err, &se) || se.ScimType != "invalidValue" || se.Detail != tagsURN+" is required" {
		t.Fatalf("Normalize without the required open extension = %v, want %q", err, tagsURN+" is required")
	}
	got, err := r.Normalize("Group", map[string]any{"displayName": "g", tagsURN + ":x": json.Number("1")}, nil, schema.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"x": "1"}, got[tagsURN]); diff != "" {
		t.Errorf("Group tags mismatch (-want +got):\n%s", diff)
	}
}

func TestOpenSchemaDoc(t *testing.T) {
	r := testRegistry(t)
	s, ok := r.Schema(tagsURN)
	if !ok || !s.Open {
		t.Fatalf("Schema(%s) = %+v, %v; want an open schema", tagsURN, s, ok)
	}
	b, err := json.Marshal(r.SchemaDoc(s))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"attributes":[],"description":"A tenant's own labels. Free-form: any attribute name is accepted, and every value is stored as a string ` +
		`(a number, boolean, object or array as its JSON text; null removes the attribute).","id":"urn:ietf:params:scim:schemas:extension:2.0:Tags",` +
		`"name":"Tags","schemas":["urn:ietf:params:scim:schemas:core:2.0:Schema"]}`
	if string(b) != want {
		t.Errorf("SchemaDoc(tags) = %s\nwant %s", b, want)
	}
	// A schema read back from a registry and registered again is not described twice.
	again, err := schema.New().WithExtension("User", s, false)
	if err != nil {
		t.Fatal(err)
	}
	if s2, _ := again.Schema(tagsURN); s2.Description != s.Description {
		t.Errorf("description after registering again = %q, want %q", s2.Description, s.Description)
	}
	bare, err := schema.New().WithExtension("User", &schema.Schema{ID: tagsURN, Open: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	if s3, _ := bare.Schema(tagsURN); s3.Description != "Free-form: any attribute name is accepted, and every value is stored as a string "+
		"(a number, boolean, object or array as its JSON text; null removes the attribute)." {
		t.Errorf("description without one given = %q", s3.Description)
	}
}

func TestProjectOpen(t *testing.T) {
	const stored = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Tags"],
		"id":"u1","userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","site":"Oslo","level":"3"}}`
	const core = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Tags"],"id":"u1"`
	tests := []struct {
		name                 string
		attributes, excluded []string
		want                 string
	}{
		{
			name: "default: every key",
			want: `{` + core + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","site":"Oslo","level":"3"}}`,
		},
		{
			name:       "attributes: keys in any case",
			attributes: []string{tagsURN + ":COSTCODE", tagsURN + ":level", tagsURN + ":nosuch"},
			want:       `{` + core + `,"urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","level":"3"}}`,
		},
		{
			name:       "attributes: the whole extension",
			attributes: []string{tagsURN, "userName"},
			want:       `{` + core + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","site":"Oslo","level":"3"}}`,
		},
		{
			name:       "attributes: a key with a sub-attribute names nothing",
			attributes: []string{tagsURN + ":costCode.value"},
			want:       `{` + core + `}`,
		},
		{
			name:     "excludedAttributes: one key",
			excluded: []string{tagsURN + ":Site"},
			want:     `{` + core + `,"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","level":"3"}}`,
		},
		{
			name:     "excludedAttributes: every key",
			excluded: []string{tagsURN + ":site", tagsURN + ":costCode", tagsURN + ":level"},
			want:     `{` + core + `,"userName":"b"}`,
		},
		{
			name:     "excludedAttributes: the whole extension",
			excluded: []string{tagsURN},
			want:     `{` + core + `,"userName":"b"}`,
		},
	}
	r := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Project("User", decode(t, stored, false), tt.attributes, tt.excluded)
			if diff := cmp.Diff(decode(t, tt.want, false), canonicalJSON(t, got)); diff != "" {
				t.Errorf("Project(%q, %q) mismatch (-want +got):\n%s", tt.attributes, tt.excluded, diff)
			}
		})
	}
}

// TestOpenFilter evaluates filters on an open extension's keys through a
// resolver built from Lookup, as scim/server builds its resolver.
func TestOpenFilter(t *testing.T) {
	r := testRegistry(t)
	resolve := func(p filter.AttrPath) (filter.Attr, bool) {
		a, ok := r.Lookup("User", p.URN, p.Name, p.Sub)
		if !ok {
			return filter.Attr{}, false
		}
		return filter.Attr{Type: filter.String, CaseExact: a.CaseExact, MultiValued: a.MultiValued}, true
	}
	doc := decode(t, `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"costCode":"CC-1","level":"3"}}`, true)
	tests := []struct {
		filter string
		want   bool
	}{
		{filter: `urn:ietf:params:scim:schemas:extension:2.0:Tags:costCode eq "cc-1"`, want: true},
		{filter: `urn:ietf:params:scim:schemas:extension:2.0:Tags:COSTCODE eq "CC-1"`, want: true},
		{filter: `urn:ietf:params:scim:schemas:extension:2.0:Tags:costCode sw "CC"`, want: true},
		{filter: `urn:ietf:params:scim:schemas:extension:2.0:Tags:level eq "3"`, want: true},
		{filter: `urn:ietf:params:scim:schemas:extension:2.0:Tags:costCode eq "CC-2"`, want: false},
		{filter: `urn:ietf:params:scim:schemas:extension:2.0:Tags:site pr`, want: false},
		{filter: `urn:ietf:params:scim:schemas:extension:2.0:Tags:site eq null`, want: true},
	}
	for _, tt := range tests {
		e, err := filter.Parse(tt.filter)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", tt.filter, err)
		}
		if got := filter.Match(e, doc, resolve); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}
