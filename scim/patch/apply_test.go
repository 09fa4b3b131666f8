package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/filter"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/want")

const (
	userURN   = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN  = "urn:ietf:params:scim:schemas:core:2.0:Group"
	customURN = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
	openURN   = "urn:ietf:params:scim:schemas:extension:2.0:Tags" // any key, any value
)

// testSchema is a small registry: core User and Group, the enterprise
// extension and a custom one. Keys are "urn|name|sub" in lower case, with ""
// for core attributes.
var testSchema = func() map[string]Attribute {
	str := Attribute{Type: filter.String}
	boolean := Attribute{Type: filter.Boolean}
	multiComplex := Attribute{Type: filter.Complex, MultiValued: true}
	m := map[string]Attribute{
		"|id|":                                 {Type: filter.String, CaseExact: true, Mutability: readOnly},
		"|meta|":                               {Type: filter.Complex, Mutability: readOnly},
		"|schemas|":                            {Type: filter.Reference, MultiValued: true, CaseExact: true},
		"|externalid|":                         {Type: filter.String, CaseExact: true},
		"|username|":                           str,
		"|displayname|":                        str,
		"|nickname|":                           str,
		"|title|":                              str,
		"|active|":                             boolean,
		"|name|":                               {Type: filter.Complex},
		"|groups|":                             {Type: filter.Complex, MultiValued: true, Mutability: readOnly},
		"|members|":                            multiComplex,
		"|members|value":                       {Type: filter.String, Mutability: immutable},
		"|members|$ref":                        {Type: filter.Reference, Mutability: immutable},
		"|members|type":                        {Type: filter.String, Mutability: immutable},
		"|members|display":                     str,
		enterpriseURN + "|employeenumber|":     str,
		enterpriseURN + "|department|":         str,
		enterpriseURN + "|manager|":            {Type: filter.Complex},
		enterpriseURN + "|manager|value":       str,
		enterpriseURN + "|manager|$ref":        {Type: filter.Reference},
		enterpriseURN + "|manager|displayname": {Type: filter.String, Mutability: readOnly},
		customURN + "|folders|":                {Type: filter.String, MultiValued: true},
		customURN + "|badge|":                  {Type: filter.String, Mutability: immutable},
	}
	for _, s := range []string{"formatted", "familyname", "givenname"} {
		m["|name|"+s] = str
	}
	for _, a := range []string{"emails", "phonenumbers", "addresses", "roles"} {
		m["|"+a+"|"] = multiComplex
		m["|"+a+"|primary"] = boolean
		for _, s := range []string{"value", "type", "display", "streetaddress", "locality", "region", "postalcode", "country", "formatted"} {
			m["|"+a+"|"+s] = str
		}
	}
	lower := make(map[string]Attribute, len(m))
	for k, v := range m {
		lower[strings.ToLower(k)] = v
	}
	return lower
}()

func testAttr(p filter.AttrPath) (Attribute, bool) {
	if strings.EqualFold(p.URN, openURN) {
		return Attribute{Type: filter.String, AnyValue: true}, p.Name != "" && p.Sub == ""
	}
	urn := p.URN
	if strings.EqualFold(urn, userURN) || strings.EqualFold(urn, groupURN) {
		urn = ""
	}
	var buf [256]byte
	k := appendLower(buf[:0], urn)
	k = append(k, '|')
	k = appendLower(k, p.Name)
	k = append(k, '|')
	k = appendLower(k, p.Sub)
	a, ok := testSchema[string(k)]
	return a, ok
}

// appendLower appends s lower-cased (ASCII, as SCIM names are).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

var userOpts = Options{Attr: testAttr, CoreURN: userURN}

func readDoc(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "doc", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func readOps(t testing.TB, name string) []Operation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	ops, err := Decode(b, MaxOperations)
	if err != nil {
		t.Fatalf("Decode(%s) = %v", name, err)
	}
	return ops
}

// ops builds operations from op, path, value triples; value "" means none.
func ops(triples ...string) []Operation {
	var out []Operation
	for i := 0; i+2 < len(triples); i += 3 {
		o := Operation{Op: triples[i], Path: triples[i+1]}
		if triples[i+2] != "" {
			o.Value = json.RawMessage(triples[i+2])
		}
		out = append(out, o)
	}
	return out
}

// golden compares doc with testdata/want/name.json, rewriting it with -update.
func golden(t *testing.T, name string, doc map[string]any) {
	t.Helper()
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	file := filepath.Join("testdata", "want", name+".json")
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Apply: document differs from %s (-want +got):\n%s", file, diff)
	}
}

var applyTests = []struct {
	name     string
	doc      string      // file in testdata/doc
	body     string      // request body file in testdata, or
	ops      []Operation // operations
	group    bool        // the resource is a Group
	scimType string      // the expected error; "" compares testdata/want/name.json
}{
	// Microsoft's documented Entra requests, replayed byte for byte.
	{name: "entra-user-replace-email-familyname", doc: "user.json", body: "entra/user-replace-email-familyname.json"},
	{name: "entra-user-replace-username", doc: "user.json", body: "entra/user-replace-username.json"},
	{name: "entra-user-disable", doc: "user.json", body: "entra/user-disable.json"},
	{name: "entra-user-disable-string", doc: "user.json", body: "entra/user-disable-string.json"},
	{name: "entra-user-disable-compliant", doc: "user.json", body: "entra/user-disable-compliant.json"},
	{name: "entra-user-add-nickname", doc: "user.json", body: "entra/user-add-nickname.json"},
	{name: "entra-user-add-nickname-compliant", doc: "user.json", body: "entra/user-add-nickname-compliant.json"},
	{name: "entra-user-replace-multiple", doc: "user.json", body: "entra/user-replace-multiple.json"},
	{name: "entra-user-replace-multiple-compliant", doc: "user.json", body: "entra/user-replace-multiple-compliant.json"},
	{name: "entra-user-replace-multiple-no-email", doc: "user-bare.json", body: "entra/user-replace-multiple.json"},
	{name: "entra-user-add-manager", doc: "user-bare.json", body: "entra/user-add-manager.json"},
	{name: "entra-user-replace-manager", doc: "user.json", body: "entra/user-add-manager.json"},
	{name: "entra-group-replace-displayname", doc: "group.json", group: true, body: "entra/group-replace-displayname.json"},
	{name: "entra-group-add-members", doc: "group-new.json", group: true, body: "entra/group-add-members.json"},
	{name: "entra-group-remove-members", doc: "group.json", group: true, body: "entra/group-remove-members.json"},
	{name: "entra-group-remove-member", doc: "group.json", group: true, body: "entra/group-remove-member.json"},
	{name: "entra-group-remove-member-compliant", doc: "group.json", group: true, body: "entra/group-remove-member-compliant.json"},

	// RFC 7644 §3.5.2 examples.
	{name: "rfc-add-member", doc: "group-new.json", group: true, body: "rfc7644/add-member.json"},
	{name: "rfc-add-no-path", doc: "user-bare.json", body: "rfc7644/add-no-path.json"},
	{name: "entra-group-add-members-present", doc: "group.json", group: true, body: "entra/group-add-members.json"},
	{name: "rfc-remove-all-members", doc: "group.json", group: true, body: "rfc7644/remove-all-members.json"},
	{name: "rfc-remove-member", doc: "group.json", group: true, body: "rfc7644/remove-member.json"},
	{name: "rfc-remove-emails-filter", doc: "bjensen.json", body: "rfc7644/remove-emails-filter.json"},
	{name: "rfc-remove-members-multiple", doc: "group.json", group: true, body: "rfc7644/remove-members-multiple.json"},
	{name: "rfc-remove-then-add-members", doc: "group.json", group: true, body: "rfc7644/remove-then-add-members.json"},
	{name: "rfc-replace-members", doc: "group.json", group: true, body: "rfc7644/replace-members.json"},
	{name: "rfc-replace-address", doc: "bjensen.json", body: "rfc7644/replace-address.json"},
	{name: "rfc-replace-address-street", doc: "bjensen.json", body: "rfc7644/replace-address-street.json"},
	{name: "rfc-replace-no-path", doc: "bjensen.json", body: "rfc7644/replace-no-path.json"},

	// Other Entra forms.
	{name: "no-path-active-false-string", doc: "user.json", ops: ops("Replace", "", `{"active":"False"}`)},
	{name: "manager-plain-id", doc: "user.json", ops: ops("Replace", enterpriseURN+":manager", `"4d5e6f"`)},
	{name: "manager-remove", doc: "user.json", ops: ops("Remove", enterpriseURN+":manager", "")},
	{name: "manager-remove-absent", doc: "user-bare.json", ops: ops("Remove", enterpriseURN+":manager", "")},
	{name: "roles-json-strings", doc: "user-bare.json", ops: ops("Add", "roles",
		`["{\"primary\":false,\"type\":\"WindowsAzureActiveDirectoryRole\",\"display\":\"Admin\",\"value\":\"Admin\"}"]`)},
	{name: "roles-primary-true-create", doc: "user-bare.json", ops: ops("Replace", `roles[primary eq "True"].value`, `"Admin"`)},
	{name: "complex-value-json-string", doc: "user-bare.json", ops: ops("replace", "name", `"{\"givenName\":\"Joy\",\"familyName\":\"Young\"}"`)},
	{name: "extension-object-no-path", doc: "user-bare.json", ops: ops("add", "", `{"`+enterpriseURN+`":{"department":"Sales","manager":"m1"}}`)},
	{name: "manager-bare-path-string", doc: "user-bare.json", ops: ops("Add", "manager", `"m2"`)},
	{name: "core-urn-prefixed-path", doc: "user.json", ops: ops("replace", userURN+":name.givenName", `"Barbara"`)},
	{name: "custom-extension-folders", doc: "user-bare.json", ops: ops("add", customURN+":folders", `["a","b","a"]`, "add", customURN+":folders", `"b"`)},

	// Semantics.
	{name: "add-email-dedup-and-primary", doc: "bjensen.json", ops: ops("add", "emails",
		`[{"value":"babs@jensen.org","type":"home"},{"value":"b@new.example","type":"other","primary":"True"}]`)},
	{name: "replace-sub-primary", doc: "bjensen.json", ops: ops("replace", `emails[type eq "home"].primary`, "true")},
	{name: "remove-sub-attribute", doc: "bjensen.json", ops: ops("remove", "name.givenName", "", "remove", `emails[type eq "work"].primary`, "")},
	{name: "remove-last-sub-attribute", doc: "user-bare.json", ops: ops("add", "name.givenName", `"A"`, "remove", "name.givenName", "")},
	{name: "replace-null-unassigns", doc: "bjensen.json", ops: ops("replace", "nickName", "null", "replace", "name", `{"formatted":null}`)},
	{name: "keys-keep-spelling", doc: "bjensen.json", ops: ops("replace", "DISPLAYNAME", `"B"`, "add", "NAME.GIVENNAME", `"Bee"`)},
	{name: "remove-absent", doc: "user-bare.json", ops: ops("remove", "title", "", "remove", `emails[type eq "work"]`, "", "remove", "name.givenName", "")},
	{name: "id-unchanged", doc: "user-bare.json", ops: ops("replace", "", `{"id":"5171a35d82074e068ce2","title":"Chief"}`)},
	{name: "immutable-set-once", doc: "user-bare.json", ops: ops("add", customURN+":badge", `"b-1"`)},
	{name: "open-extension-any-value", doc: "user-bare.json", ops: ops(
		"add", openURN+":level", `3.50`,
		"add", openURN+":sites", `["Oslo"]`,
		"add", openURN+":sites", `["Bergen"]`,
		"replace", openURN+":obj", `{"a":{"b":[1]}}`,
		"replace", openURN+":OBJ", `{"c":true}`,
		"add", "", `{"`+openURN+`":{"gone":"x","flag":false}}`,
		"remove", openURN+":gone", "")},

	// Errors.
	{name: "error-remove-no-path", doc: "user.json", ops: ops("remove", "", ""), scimType: noTarget},
	{name: "error-unmatched-filter", doc: "user.json", ops: ops("replace", `emails[value co "nobody"].type`, `"x"`), scimType: noTarget},
	{name: "error-id", doc: "user.json", ops: ops("replace", "id", `"x"`), scimType: mutability},
	{name: "error-meta", doc: "user.json", ops: ops("remove", "meta", ""), scimType: mutability},
	{name: "error-groups-readonly", doc: "bjensen.json", ops: ops("add", "groups", `[{"value":"g2"}]`), scimType: mutability},
	{name: "error-manager-displayname-readonly", doc: "user.json", ops: ops("replace", enterpriseURN+":manager.displayName", `"X"`), scimType: mutability},
	{name: "error-immutable-changed", doc: "user-bare.json", ops: ops("add", customURN+":badge", `"b-1"`, "replace", customURN+":badge", `"b-2"`), scimType: mutability},
	{name: "error-object-for-string", doc: "user.json", ops: ops("replace", "title", `{"a":1}`), scimType: invalidValue},
	{name: "error-bad-boolean", doc: "user.json", ops: ops("replace", "active", `"yes"`), scimType: invalidValue},
	{name: "error-bad-sub-boolean", doc: "user.json", ops: ops("add", "emails", `[{"value":"x@y","primary":"maybe"}]`), scimType: invalidValue},
	{name: "error-string-for-name", doc: "user.json", ops: ops("replace", "name", `"Babs"`), scimType: invalidValue},
	{name: "error-no-path-not-object", doc: "user.json", ops: ops("replace", "", `"x"`), scimType: invalidValue},
	{name: "error-bad-path", doc: "user.json", ops: ops("replace", "emails[type eq", `"x"`), scimType: invalidFilter},
	{name: "error-filter-on-single", doc: "user.json", ops: ops("replace", `name[givenName eq "x"]`, `"x"`), scimType: invalidPath},
	{name: "error-unknown-op", doc: "user.json", ops: ops("move", "title", `"x"`), scimType: invalidSyntax},
	{name: "error-add-no-value", doc: "user.json", ops: ops("add", "title", ""), scimType: invalidSyntax},
	{name: "error-open-sub-attribute", doc: "user.json", ops: ops("add", openURN+":level.value", `"x"`), scimType: invalidPath},
	{name: "error-open-filter", doc: "user.json", ops: ops("add", openURN+`:level[value eq "x"]`, `"x"`), scimType: invalidPath},
}

func TestApply(t *testing.T) {
	for _, tt := range applyTests {
		t.Run(tt.name, func(t *testing.T) {
			doc := readDoc(t, tt.doc)
			before, _ := json.Marshal(doc)
			o := tt.ops
			if tt.body != "" {
				o = readOps(t, tt.body)
			}
			opts := userOpts
			if tt.group {
				opts.CoreURN = groupURN
			}
			got, err := Apply(doc, o, opts)
			if after, _ := json.Marshal(doc); !bytes.Equal(before, after) {
				t.Fatalf("Apply changed its input document")
			}
			if tt.scimType != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.ScimType != tt.scimType {
					t.Fatalf("Apply(%s) = %v, want scimType %s", tt.name, err, tt.scimType)
				}
				if got != nil {
					t.Errorf("Apply(%s) returned a document with its error", tt.name)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply(%s) = %v, want no error", tt.name, err)
			}
			golden(t, tt.name, got)
		})
	}
}

func TestApplyAtomic(t *testing.T) {
	doc := readDoc(t, "bjensen.json")
	before, _ := json.Marshal(doc)
	o := ops(
		"replace", "displayName", `"Changed"`,
		"add", "emails", `[{"value":"new@example.com","type":"other","primary":true}]`,
		"remove", `addresses[type eq "home"]`, "",
		"replace", "name.givenName", `"Changed"`,
		"replace", "id", `"stolen"`,
	)
	got, err := Apply(doc, o, userOpts)
	var pe *Error
	if !errors.As(err, &pe) || pe.ScimType != mutability || pe.Op != 4 {
		t.Fatalf("Apply = %v, want mutability error at operation 4", err)
	}
	if got != nil {
		t.Errorf("Apply returned a document with its error")
	}
	if after, _ := json.Marshal(doc); !bytes.Equal(before, after) {
		t.Errorf("Apply changed the document:\nbefore %s\nafter  %s", before, after)
	}
}

func TestApplyNumbers(t *testing.T) {
	doc := map[string]any{"x": []any{float64(1), json.Number("2")}}
	got, err := Apply(doc, ops("add", "x", "[1, 2.0, 3]"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{float64(1), json.Number("2"), json.Number("3")}
	if diff := cmp.Diff(want, got["x"]); diff != "" {
		t.Errorf("Apply: add numbers (-want +got):\n%s", diff)
	}
}

func TestErrorText(t *testing.T) {
	_, err := Apply(map[string]any{}, ops("remove", "", ""), Options{})
	if got, want := err.Error(), "patch: operation 0: noTarget: remove requires a path"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
