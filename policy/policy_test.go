package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

func TestExampleParses(t *testing.T) {
	p, err := Parse(Example())
	if err != nil {
		t.Fatalf("Parse(Example()): %v", err)
	}
	if !json.Valid(p.JSON()) {
		t.Fatalf("JSON() is not JSON: %s", p.JSON())
	}
	again, err := Parse(p.JSON())
	if err != nil {
		t.Fatalf("Parse(JSON()): %v", err)
	}
	if diff := cmp.Diff(p.Doc(), again.Doc()); diff != "" {
		t.Errorf("JSON() does not round-trip (-first +again):\n%s", diff)
	}
	for _, urn := range []string{URN, "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName", "urn:ietf:params:scim:schemas:extension:2.0:Metadata"} {
		if _, ok := p.Registry().Schema(urn); !ok {
			t.Errorf("registry lacks %s", urn)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		doc, attr, detail string
	}{
		{`{}`, "format", "format 0"},
		{`{"format":2}`, "format", "reads format 1"},
		{`[]`, "", "must be a JSON object"},
		{`{"format":1} {}`, "", "text after"},
		{`{"format":1,"rolez":[]}`, "", `unknown field "rolez"`},
		{`{"format":1,"roles":{}}`, "", "roles: expected"},
		{`{"format":1,"unknownAttributes":"keep"}`, "unknownAttributes", "want one of reject, store, ignore"},
		{`{"format":1,"deprovision":"archive"}`, "deprovision", "want one of delete, deactivate"},
		{`{"format":1,"roles":[{"value":"a","effect":"active"},{"value":"b","effect":"licence"}]}`, "roles[1].effect", `"licence": want one of active, license, accessRole`},
		{`{"format":1,"roles":[{"value":"","effect":"active"}]}`, "roles[0].value", "required"},
		{`{"format":1,"roles":[{"value":"Admin","effect":"accessRole"},{"value":"admin","effect":"license"}]}`, "roles[1].value", "already mapped by roles[0]"},
		{`{"format":1,"roles":[{"value":"a","effect":"active","grant":"x"}]}`, "roles[0].grant", "grants nothing"},
		{`{"format":1,"required":["name.nickname.x"]}`, "required[0]", `"name.nickname.x"`},
		{`{"format":1,"required":["shoeSize"]}`, "required[0]", "no such User attribute"},
		{`{"format":1,"required":["emails"]}`, "required[0]", "name a sub-attribute of emails"},
		{`{"format":1,"required":["name.shoe"]}`, "required[0]", "no sub-attribute"},
		{`{"format":1,"unique":["userType[value eq \"x\"]"]}`, "unique[0]", "multi-valued complex"},
		{`{"format":1,"unique":["groups.value"]}`, "unique[0]", "read-only"},
		{`{"format":1,"allowedValues":{"userType":[]}}`, `allowedValues["userType"]`, "list the allowed values"},
		{`{"format":1,"extensions":[{"schema":"urn:acme:y","attributes":[{"name":"a","type":"complex"}]}]}`, "extensions[0].attributes[0].type", "want one of string"},
		{`{"format":1,"extensions":[{"schema":"not a urn","attributes":[{"name":"a"}]}]}`, "extensions[0].schema", "not a URN"},
		{`{"format":1,"extensions":[{"schema":"urn:acme:y"}]}`, "extensions[0].attributes", "list the extension's attributes"},
		{`{"format":1,"extensions":[{"schema":"urn:acme:y","open":true,"attributes":[{"name":"a"}]}]}`, "extensions[0].attributes", "lists no attributes"},
		{`{"format":1,"extensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","attributes":[{"name":"a"}]}]}`, "extensions[0].schema", "clashes"},
		{`{"format":1,"extensions":[{"schema":"urn:acme:y","attributes":[{"name":"a"},{"name":"A"}]}]}`, "extensions[0].schema", "more than once"},
		{`{"format":1,"folders":{"attribute":"urn:acme:y:folders"}}`, "folders.attribute", "no such User attribute"},
		{`{"format":1,"folders":{"attribute":"title","unknown":"warn"}}`, "folders.unknown", "want one of reject, keep"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		e, ok := err.(*roster.Error)
		if !ok {
			t.Errorf("Parse(%s) = %v, want a *roster.Error", tt.doc, err)
			continue
		}
		if e.Code != roster.EINVALID || e.Attr != tt.attr || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("Parse(%s) = %s %q %q, want invalid %q containing %q", tt.doc, e.Code, e.Attr, e.Detail, tt.attr, tt.detail)
		}
	}
}

// normalize runs a document through the policy's registry as the server does.
func normalize(t testing.TB, p *Policy, doc string) map[string]any {
	t.Helper()
	var in map[string]any
	if err := json.Unmarshal([]byte(doc), &in); err != nil {
		t.Fatal(err)
	}
	out, err := p.Registry().Normalize("User", in, nil, schema.Options{Mode: schema.Create, Unknown: p.Unknown()})
	if err != nil {
		t.Fatalf("Normalize(%s): %v", doc, err)
	}
	return out
}

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

const rolesPolicy = `{"format":1,"roles":[
	{"value":"active","effect":"active"},
	{"value":"standard_license","effect":"license","grant":"standard"},
	{"value":"ReadOnly","effect":"accessRole"},{"value":"User","effect":"accessRole"},
	{"value":"Admin","effect":"accessRole"},{"value":"EnterpriseAdmin","effect":"accessRole"}]}`

func TestEntitlements(t *testing.T) {
	p := mustParse(t, rolesPolicy)
	tests := []struct {
		name, user string
		want       roster.Entitlements
	}{
		{"no roles: not active in the app", `{"userName":"a"}`, roster.Entitlements{}},
		{"active role", `{"userName":"a","roles":[{"value":"active"}]}`, roster.Entitlements{Active: true}},
		{"SCIM inactive wins", `{"userName":"a","active":false,"roles":[{"value":"active"}]}`, roster.Entitlements{}},
		{"Entra's string booleans", `{"userName":"a","active":"False","roles":[{"value":"active","primary":"True"}]}`, roster.Entitlements{}},
		{"license and ranked access roles, unmapped kept",
			`{"userName":"a","roles":[{"value":"Admin"},{"value":"active"},{"value":"User"},{"value":"standard_license"},{"value":"Auditor","display":"Auditor","type":"WindowsAzureActiveDirectoryRole","primary":false}]}`,
			roster.Entitlements{Active: true, Licenses: []string{"standard"}, AccessRole: "Admin", Roles: []string{"Auditor"}}},
		{"values holding JSON roles (AssertiveAppRoleAssignmentsComplex)",
			`{"userName":"a","roles":[{"value":"{\"id\":\"7f5c\",\"value\":\"EnterpriseAdmin\",\"displayName\":\"Enterprise admin\"}"},{"value":"{\"id\":\"1a2b\",\"value\":\"active\",\"displayName\":\"Active\"}"}]}`,
			roster.Entitlements{Active: true, AccessRole: "EnterpriseAdmin"}},
		{"JSON role without value counts by displayName",
			`{"userName":"a","roles":[{"value":"{\"id\":\"7f5c\",\"displayName\":\"ReadOnly\"}"}]}`,
			roster.Entitlements{AccessRole: "ReadOnly"}},
		{"role values match in any case", `{"userName":"a","roles":[{"value":"ACTIVE"},{"value":"readonly"}]}`,
			roster.Entitlements{Active: true, AccessRole: "ReadOnly"}},
	}
	for _, tt := range tests {
		o, err := p.User(normalize(t, p, tt.user), nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, o.Entitlements, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	// Without an active rule SCIM active alone decides.
	o, err := Default().User(normalize(t, Default(), `{"userName":"a","roles":[{"value":"x"}]}`), nil)
	if err != nil || !o.Entitlements.Active || !cmp.Equal(o.Entitlements.Roles, []string{"x"}) {
		t.Errorf("default policy: %+v, %v; want active with role x kept", o, err)
	}
}

func TestUserChecks(t *testing.T) {
	p := mustParse(t, `{"format":1,
		"extensions":[{"schema":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName","attributes":[{"name":"folders","multiValued":true}]}],
		"allowedValues":{"userType":["Premium","Standard"]},
		"required":["name.givenName","name.familyName","emails[type eq \"work\"].value"],
		"unique":["emails[type eq \"work\"].value"],
		"folders":{"attribute":"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders"}}`)
	fs := NewFolderIndex([]*roster.Folder{{ID: "f1", ExternalID: "SALES", Name: "Sales"}, {ID: "f2", Name: "Legal"}})
	const ok = `"name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"value":"home@x.org","type":"home"},{"value":"Ada@Example.com","type":"work"}]`
	tests := []struct {
		user, attr, reason string
	}{
		{`{"userName":"a",` + ok + `,"userType":"Premium"}`, "", ""},
		{`{"userName":"a",` + ok + `,"userType":"standard"}`, "", ""},
		{`{"userName":"a",` + ok + `,"userType":"Gold"}`, "userType", "policy_value_not_allowed"},
		{`{"userName":"a","name":{"givenName":"Ada"},"emails":[{"value":"a@x","type":"work"}]}`, "name.familyName", "policy_required"},
		{`{"userName":"a","name":{"givenName":"Ada","familyName":"L"},"emails":[{"value":"a@x","type":"home"}]}`, `emails[type eq "work"].value`, "policy_required"},
		{`{"userName":"a",` + ok + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders":["sales","f2"]}`, "", ""},
		{`{"userName":"a",` + ok + `,"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":"nope"}}`,
			"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders", "folder_unknown"},
	}
	for _, tt := range tests {
		o, err := p.User(normalize(t, p, tt.user), fs)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.user, err)
			} else if o.Unique[`emails[type eq "work"].value`] != "ada@example.com" {
				t.Errorf("%s: unique %v, want the work email folded", tt.user, o.Unique)
			}
			continue
		}
		e, isErr := err.(*roster.Error)
		if !isErr || e.Code != roster.EINVALID || e.Attr != tt.attr || e.Reason != tt.reason {
			t.Errorf("%s: %v, want invalid %s (%s)", tt.user, err, tt.attr, tt.reason)
		}
	}
}

func TestFoldersKeptAndResolved(t *testing.T) {
	p := mustParse(t, `{"format":1,
		"extensions":[{"schema":"urn:acme:app","attributes":[{"name":"folders","multiValued":true}]}],
		"folders":{"attribute":"urn:acme:app:folders","unknown":"keep"}}`)
	doc := normalize(t, p, `{"userName":"a","urn:acme:app":{"folders":["ext-1","later"]}}`)
	fs := NewFolderIndex([]*roster.Folder{{ID: "f1", ExternalID: "EXT-1", Name: "One"}})
	o, err := p.User(doc, fs)
	if err != nil || len(o.Warnings) != 1 || !strings.Contains(o.Warnings[0], `"later"`) {
		t.Fatalf("User = %+v, %v; want one warning naming later", o, err)
	}
	u := &roster.User{Doc: doc, Entitlements: o.Entitlements}
	got := p.Extension(u, fs)
	want := map[string]any{"active": true, "folders": []any{map[string]any{"value": "f1", "externalId": "EXT-1", "display": "One"}}, "unresolvedFolders": []any{"later"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extension before the folder exists (-want +got):\n%s", diff)
	}
	fs = NewFolderIndex([]*roster.Folder{{ID: "f1", ExternalID: "EXT-1", Name: "One"}, {ID: "later", Name: "Later"}})
	got = p.Extension(u, fs)
	if _, left := got["unresolvedFolders"]; left || len(got["folders"].([]any)) != 2 {
		t.Errorf("Extension once the folder exists = %v, want both resolved", got)
	}
	if !cmp.Equal(doc["urn:acme:app"], map[string]any{"folders": []any{"ext-1", "later"}}) {
		t.Errorf("the document changed: %v", doc["urn:acme:app"])
	}
}

func TestUnknownAttributes(t *testing.T) {
	in := map[string]any{"userName": "a", "urn:x:unregistered:color": "red"}
	for _, tt := range []struct {
		mode string
		want any // the kept value, or nil
		err  bool
	}{{"reject", nil, true}, {"store", "red", false}, {"ignore", nil, false}} {
		p := mustParse(t, `{"format":1,"unknownAttributes":"`+tt.mode+`"}`)
		out, err := p.Registry().Normalize("User", in, nil, schema.Options{Mode: schema.Create, Unknown: p.Unknown()})
		if (err != nil) != tt.err {
			t.Errorf("%s: err %v", tt.mode, err)
			continue
		}
		if err == nil && out["urn:x:unregistered:color"] != tt.want {
			t.Errorf("%s: kept %v, want %v", tt.mode, out["urn:x:unregistered:color"], tt.want)
		}
	}
}

func TestUniqueGroupNames(t *testing.T) {
	tests := []struct {
		name, doc string
		want      bool
	}{
		{"default", `{"format":1}`, true},
		{"groups without the setting", `{"format":1,"groups":{}}`, true},
		{"on", `{"format":1,"groups":{"uniqueDisplayName":true}}`, true},
		{"off", `{"format":1,"groups":{"uniqueDisplayName":false}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse(%s) = %v", tt.doc, err)
			}
			if got := p.UniqueGroupNames(); got != tt.want {
				t.Errorf("Parse(%s).UniqueGroupNames() = %v, want %v", tt.doc, got, tt.want)
			}
		})
	}
	if !Default().UniqueGroupNames() {
		t.Errorf("Default().UniqueGroupNames() = false, want true")
	}
	if _, err := Parse([]byte(`{"format":1,"groups":{"uniqueDisplayName":"no"}}`)); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("Parse(uniqueDisplayName \"no\") = %v, want %s", err, roster.EINVALID)
	}
}

// TestSensitive checks that an extension attribute marked sensitive is never
// returned ("returned": "never") and is named with the core password among
// the attributes the log redacts.
func TestSensitive(t *testing.T) {
	p, err := Parse([]byte(`{"format":1,"extensions":[{"schema":"urn:example:params:scim:schemas:extension:acme:2.0:User",` +
		`"attributes":[{"name":"pin","sensitive":true},{"name":"badge"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"password", "pin"}, p.Sensitive()); diff != "" {
		t.Errorf("Sensitive() (-want +got):\n%s", diff)
	}
	sc, ok := p.Registry().Schema("urn:example:params:scim:schemas:extension:acme:2.0:User")
	if !ok || sc.Attributes[0].Returned != "never" || sc.Attributes[1].Returned != "default" {
		t.Errorf("the extension's attributes: %+v, %+v", sc.Attributes[0], sc.Attributes[1])
	}
	if got := Default().Sensitive(); !slices.Equal(got, []string{"password"}) {
		t.Errorf("Default().Sensitive() = %v, want [password]", got)
	}
}

// TestChangeChecksWhatChanges checks a write of a stored user on what it
// sets or changes only.
func TestChangeChecksWhatChanges(t *testing.T) {
	p := mustParse(t, string(Example()))
	prior := normalize(t, p, `{"userName":"a","name":{"familyName":"L"},"userType":"Gold","emails":[{"value":"a@x","type":"work"}]}`)
	tests := []struct {
		name, doc, reason string
	}{
		{"untouched gaps and values", `{"userName":"a","displayName":"A","name":{"familyName":"L"},"userType":"Gold","emails":[{"value":"a@x","type":"work"}]}`, ""},
		{"removes a required value", `{"userName":"a","userType":"Gold","emails":[{"value":"a@x","type":"work"}]}`, "policy_required"},
		{"sets an unallowed value", `{"userName":"a","name":{"familyName":"L"},"userType":"Silver","emails":[{"value":"a@x","type":"work"}]}`, "policy_value_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Change(prior, normalize(t, p, tt.doc), nil)
			got := ""
			if e, ok := err.(*roster.Error); ok {
				got = e.Reason
			}
			if got != tt.reason || (err == nil) != (tt.reason == "") {
				t.Errorf("Change = %v, want reason %q", err, tt.reason)
			}
		})
	}
	if _, err := p.User(prior, nil); err == nil {
		t.Errorf("User(a new user lacking givenName) = nil, want a refusal")
	}
}
