package schema_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/schema"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name               string
		rt, urn, attr, sub string
		want               string // "name type mutability returned caseExact", or "" for not found
	}{
		{name: "core attribute", rt: "User", attr: "userName", want: "userName string readWrite default false"},
		{name: "any case", rt: "USER", attr: "USERNAME", want: "userName string readWrite default false"},
		{name: "core URN", rt: "User", urn: "urn:ietf:params:scim:schemas:core:2.0:user", attr: "userName", want: "userName string readWrite default false"},
		{name: "sub-attribute", rt: "User", attr: "name", sub: "GIVENNAME", want: "givenName string readWrite default false"},
		{name: "multi-valued", rt: "User", attr: "emails", want: "emails complex readWrite default false"},
		{name: "common id", rt: "User", attr: "id", want: "id string readOnly always true"},
		{name: "common externalId", rt: "Group", attr: "externalId", want: "externalId string readWrite default true"},
		{name: "common meta sub", rt: "Group", attr: "meta", sub: "lastModified", want: "lastModified dateTime readOnly default false"},
		{name: "password", rt: "User", attr: "password", want: "password string writeOnly never false"},
		{name: "groups", rt: "User", attr: "groups", sub: "value", want: "value string readOnly default false"},
		{name: "group members", rt: "Group", attr: "members", sub: "value", want: "value string immutable default true"},
		{name: "group members $ref", rt: "Group", attr: "members", sub: "$REF", want: "$ref reference immutable default false"},
		{name: "enterprise", rt: "User", urn: schema.EnterpriseUserURN, attr: "department", want: "department string readWrite default false"},
		{name: "enterprise manager", rt: "User", urn: strings.ToUpper(schema.EnterpriseUserURN), attr: "manager", sub: "displayName", want: "displayName string readOnly default false"},
		{name: "ws1b", rt: "User", urn: schema.WS1BUserURN, attr: "userprincipalname", want: "userPrincipalName string readWrite default false"},
		{name: "ws1b custom attribute", rt: "User", urn: "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:WS1B:2.0:USER", attr: "customAttribute5", want: "customAttribute5 string readWrite default false"},
		{name: "ws1b is not a Group extension", rt: "Group", urn: schema.WS1BUserURN, attr: "domain"},
		{name: "added extension", rt: "User", urn: customURN, attr: "folders", want: "folders string readWrite default false"},
		{name: "added extension defaults", rt: "User", urn: metadataURN, attr: "badge", want: "badge string immutable default true"},
		{name: "open extension: any name", rt: "User", urn: tagsURN, attr: "costCode", want: "costCode string readWrite default false"},
		{name: "open extension: name as written", rt: "User", urn: strings.ToUpper(tagsURN), attr: "COST-code_2", want: "COST-code_2 string readWrite default false"},
		{name: "open extension: no sub-attributes", rt: "User", urn: tagsURN, attr: "costCode", sub: "value"},
		{name: "open extension: no empty name", rt: "User", urn: tagsURN, attr: ""},
		{name: "open extension of another resource type", rt: "Group", urn: tagsURN, attr: "costCode"},
		{name: "unknown attribute", rt: "User", attr: "nosuch"},
		{name: "unknown sub-attribute", rt: "User", attr: "name", sub: "nosuch"},
		{name: "sub-attribute of a simple attribute", rt: "User", attr: "userName", sub: "value"},
		{name: "unknown resource type", rt: "Device", attr: "id"},
		{name: "extension of another resource type", rt: "Group", urn: schema.EnterpriseUserURN, attr: "department"},
		{name: "group has no userName", rt: "Group", attr: "userName"},
		{name: "unknown URN", rt: "User", urn: "urn:example:x", attr: "userName"},
	}
	r := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := r.Lookup(tt.rt, tt.urn, tt.attr, tt.sub)
			got := ""
			if ok {
				got = strings.Join([]string{a.Name, string(a.Type), a.Mutability, a.Returned, boolText(a.CaseExact)}, " ")
			}
			if got != tt.want {
				t.Errorf("Lookup(%q, %q, %q, %q) = %q, want %q", tt.rt, tt.urn, tt.attr, tt.sub, got, tt.want)
			}
			if ce := r.CaseExact(tt.rt, tt.urn, tt.attr, tt.sub); ce != (ok && a.CaseExact) {
				t.Errorf("CaseExact(%q, %q, %q, %q) = %v, want %v", tt.rt, tt.urn, tt.attr, tt.sub, ce, ok && a.CaseExact)
			}
		})
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestResourceTypes(t *testing.T) {
	r := schema.New()
	for _, name := range []string{"User", "user", "GROUP"} {
		if _, ok := r.ResourceType(name); !ok {
			t.Errorf("ResourceType(%q) not found", name)
		}
	}
	if rt, ok := r.ResourceType("Users"); ok {
		t.Errorf("ResourceType(%q) = %v, want not found", "Users", rt)
	}
	var ids []string
	for _, rt := range r.ResourceTypes() {
		ids = append(ids, rt.ID+" "+rt.Endpoint)
	}
	if diff := cmp.Diff([]string{"User /Users", "Group /Groups"}, ids); diff != "" {
		t.Errorf("ResourceTypes() mismatch (-want +got):\n%s", diff)
	}
	if s, ok := r.Schema(strings.ToLower(schema.EnterpriseUserURN)); !ok || s.ID != schema.EnterpriseUserURN {
		t.Errorf("Schema(enterprise, lower case) = %v, %v", s, ok)
	}
	var schemas []string
	for _, s := range r.Schemas() {
		schemas = append(schemas, s.ID)
	}
	wantSchemas := []string{schema.UserURN, schema.GroupURN, schema.EnterpriseUserURN, schema.WS1BUserURN}
	if diff := cmp.Diff(wantSchemas, schemas); diff != "" {
		t.Errorf("Schemas() mismatch (-want +got):\n%s", diff)
	}
	user, _ := r.ResourceType("User")
	wantExts := []schema.Extension{{Schema: schema.EnterpriseUserURN}, {Schema: schema.WS1BUserURN}}
	if diff := cmp.Diff(wantExts, user.Extensions); diff != "" {
		t.Errorf("User extensions mismatch (-want +got):\n%s", diff)
	}
}

// TestWS1BAttributes checks the ws1b extension against the attribute list
// Microsoft publishes: every attribute a single-valued, optional, readWrite
// string that is not case-exact.
func TestWS1BAttributes(t *testing.T) {
	s, ok := schema.New().Schema(schema.WS1BUserURN)
	if !ok {
		t.Fatalf("Schema(%s) not found", schema.WS1BUserURN)
	}
	var got []string
	for _, a := range s.Attributes {
		got = append(got, a.Name)
		if a.Type != schema.String || a.MultiValued || a.Required || a.CaseExact || a.Mutability != "readWrite" ||
			a.Returned != "default" || a.Uniqueness != "none" || len(a.SubAttributes) > 0 {
			t.Errorf("%s: %+v, want an optional, single-valued readWrite string", a.Name, a)
		}
	}
	want := []string{"adSourceAnchor", "customAttribute1", "customAttribute2", "customAttribute3", "customAttribute4",
		"customAttribute5", "distinguishedName", "domain", "userPrincipalName"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ws1b attributes mismatch (-want +got):\n%s", diff)
	}
}

func TestWithExtensionCopyOnWrite(t *testing.T) {
	base := schema.New()
	before := renderAll(t, base)
	ext := customSchema()
	r, err := base.WithExtension("user", ext, true)
	if err != nil {
		t.Fatalf("WithExtension = %v", err)
	}
	if diff := cmp.Diff(before, renderAll(t, base)); diff != "" {
		t.Errorf("WithExtension modified the receiver (-before +after):\n%s", diff)
	}
	if _, ok := base.Lookup("User", customURN, "folders", ""); ok {
		t.Errorf("base registry resolves the new extension")
	}
	if _, ok := base.Schema(customURN); ok {
		t.Errorf("base registry lists the new schema")
	}
	a, ok := r.Lookup("User", customURN, "folders", "")
	if !ok {
		t.Fatalf("new registry does not resolve the extension")
	}
	if a.Mutability != "readWrite" || a.Returned != "default" || a.Uniqueness != "none" {
		t.Errorf("folders characteristics = %s %s %s, want defaults readWrite default none", a.Mutability, a.Returned, a.Uniqueness)
	}
	ext.Attributes[0].Name = "changed" // the registry holds a copy
	if _, ok := r.Lookup("User", customURN, "folders", ""); !ok {
		t.Errorf("changing the caller's schema changed the registry")
	}
	rt, _ := r.ResourceType("User")
	want := []schema.Extension{{Schema: schema.EnterpriseUserURN}, {Schema: schema.WS1BUserURN}, {Schema: customURN, Required: true}}
	if diff := cmp.Diff(want, rt.Extensions); diff != "" {
		t.Errorf("User extensions mismatch (-want +got):\n%s", diff)
	}
	if _, err := r.Normalize("User", map[string]any{"userName": "b"}, nil, schema.Options{}); err == nil {
		t.Errorf("Normalize without a required extension succeeded")
	}
	if _, err := base.Normalize("User", map[string]any{"userName": "b"}, nil, schema.Options{}); err != nil {
		t.Errorf("base Normalize = %v", err)
	}
}

// TestWithExtensionConcurrent reads a registry while extensions are added
// to it; run with -race.
func TestWithExtensionConcurrent(t *testing.T) {
	base := schema.New()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := base.WithExtension("User", customSchema(), false); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := base.Normalize("User", map[string]any{"userName": "b"}, nil, schema.Options{}); err != nil {
				t.Error(err)
			}
			base.Project("User", map[string]any{"userName": "b"}, []string{"userName"}, nil)
		}()
	}
	wg.Wait()
}

func TestWithExtensionInvalid(t *testing.T) {
	ok := func() *schema.Schema { return customSchema() }
	tests := []struct {
		name   string
		rt     string
		schema func() *schema.Schema
		want   string // a part of the error message
	}{
		{name: "unknown resource type", rt: "Device", schema: ok, want: `unknown resource type "Device"`},
		{name: "nil schema", rt: "User", schema: func() *schema.Schema { return nil }, want: "no schema"},
		{name: "not a URN", rt: "User", schema: withID("CustomExtensionName"), want: "not a URN"},
		{name: "URN with a space", rt: "User", schema: withID("urn:example:custom ext"), want: "not a URN"},
		{name: "URN ending in a colon", rt: "User", schema: withID("urn:example:custom:"), want: "not a URN"},
		{name: "URN with a bad NID", rt: "User", schema: withID("urn:-x:custom"), want: "not a URN"},
		{name: "core URN", rt: "User", schema: withID(schema.UserURN), want: "clashes"},
		{name: "enterprise URN in another case", rt: "User", schema: withID(strings.ToUpper(schema.EnterpriseUserURN)), want: "clashes"},
		{name: "prefix of a known URN", rt: "Group", schema: withID("urn:ietf:params:scim:schemas:extension:enterprise:2.0"), want: "clashes"},
		{name: "no attributes", rt: "User", schema: func() *schema.Schema { return &schema.Schema{ID: customURN} }, want: "no attributes"},
		{name: "bad attribute name", rt: "User", schema: withAttr(&schema.Attribute{Name: "cost code", Type: schema.String}), want: `attribute "cost code": invalid name`},
		{name: "attribute name starting with a digit", rt: "User", schema: withAttr(&schema.Attribute{Name: "1st", Type: schema.String}), want: "invalid name"},
		{name: "$ref at the top", rt: "User", schema: withAttr(&schema.Attribute{Name: "$ref", Type: schema.Reference}), want: "invalid name"},
		{name: "unknown type", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: "text"}), want: `unknown type "text"`},
		{name: "complex without sub-attributes", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.Complex}), want: "without sub-attributes"},
		{name: "string with sub-attributes", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.String,
			SubAttributes: []*schema.Attribute{{Name: "y", Type: schema.String}}}), want: "cannot have sub-attributes"},
		{name: "nested complex", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.Complex,
			SubAttributes: []*schema.Attribute{{Name: "y", Type: schema.Complex, SubAttributes: []*schema.Attribute{{Name: "z", Type: schema.String}}}}}),
			want: `attribute "x.y": a sub-attribute cannot be complex`},
		{name: "duplicate attribute", rt: "User", schema: withAttr(&schema.Attribute{Name: "FOLDERS", Type: schema.String}), want: `attribute "FOLDERS": defined more than once`},
		{name: "duplicate sub-attribute", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.Complex,
			SubAttributes: []*schema.Attribute{{Name: "y", Type: schema.String}, {Name: "Y", Type: schema.String}}}), want: `attribute "x.Y": defined more than once`},
		{name: "unknown mutability", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.String, Mutability: "sometimes"}), want: `unknown mutability "sometimes"`},
		{name: "unknown returned", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.String, Returned: "maybe"}), want: `unknown returned "maybe"`},
		{name: "unknown uniqueness", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.String, Uniqueness: "tenant"}), want: `unknown uniqueness "tenant"`},
		{name: "canonical values on a boolean", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.Boolean, CanonicalValues: []string{"true"}}), want: "canonical values"},
		{name: "required readOnly", rt: "User", schema: withAttr(&schema.Attribute{Name: "x", Type: schema.String, Required: true, Mutability: "readOnly"}), want: "readOnly attribute cannot be required"},
		{name: "nil attribute", rt: "User", schema: withAttr(nil), want: "nil attribute"},
		{name: "open schema with attributes", rt: "User", schema: func() *schema.Schema {
			s := customSchema()
			s.Open = true
			return s
		}, want: "an open schema lists no attributes"},
		{name: "open schema with a bad URN", rt: "User", schema: func() *schema.Schema {
			s := tagsSchema()
			s.ID = "Tags"
			return s
		}, want: "not a URN"},
	}
	base := schema.New()
	before := renderAll(t, base)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := base.WithExtension(tt.rt, tt.schema(), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WithExtension = %v, %v; want an error containing %q", r, err, tt.want)
			}
		})
	}
	if diff := cmp.Diff(before, renderAll(t, base)); diff != "" {
		t.Errorf("failed WithExtension calls modified the receiver (-before +after):\n%s", diff)
	}
	r, err := base.WithExtension("User", customSchema(), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WithExtension("Group", customSchema(), false); err == nil || !strings.Contains(err.Error(), "clashes") {
		t.Errorf("adding the same URN twice = %v, want a clash", err)
	}
}

func withID(id string) func() *schema.Schema {
	return func() *schema.Schema {
		s := customSchema()
		s.ID = id
		return s
	}
}

func withAttr(a *schema.Attribute) func() *schema.Schema {
	return func() *schema.Schema {
		s := customSchema()
		s.Attributes = append(s.Attributes, a)
		return s
	}
}

// renderAll returns the /Schemas and /ResourceTypes documents of r as JSON.
func renderAll(t testing.TB, r *schema.Registry) string {
	t.Helper()
	var docs []map[string]any
	for _, s := range r.Schemas() {
		docs = append(docs, r.SchemaDoc(s))
	}
	for _, rt := range r.ResourceTypes() {
		docs = append(docs, r.ResourceTypeDoc(rt))
	}
	b, err := json.MarshalIndent(docs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRenderGolden(t *testing.T) {
	r := schema.New()
	var schemas, types []map[string]any
	for _, s := range r.Schemas() {
		schemas = append(schemas, r.SchemaDoc(s))
	}
	for _, rt := range r.ResourceTypes() {
		types = append(types, r.ResourceTypeDoc(rt))
	}
	for name, v := range map[string]any{"schemas.golden.json": schemas, "resourcetypes.golden.json": types} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, append(b, '\n'))
	}
}

// TestRenderMarshal checks that json.Marshal of a Schema and SchemaDoc agree,
// so the server may use either.
func TestRenderMarshal(t *testing.T) {
	r := testRegistry(t)
	for _, s := range r.Schemas() {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		want := r.SchemaDoc(s)
		if diff := cmp.Diff([]any{schema.SchemaURN}, want["schemas"]); diff != "" {
			t.Errorf("SchemaDoc(%s) schemas mismatch (-want +got):\n%s", s.ID, diff)
		}
		delete(want, "schemas")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("json.Marshal(%s) and SchemaDoc differ (-doc +marshal):\n%s", s.ID, diff)
		}
	}
}
