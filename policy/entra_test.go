package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// TestEntraSettingsExample renders the example policy as Entra's settings.
func TestEntraSettingsExample(t *testing.T) {
	p, err := Parse(Example())
	if err != nil {
		t.Fatal(err)
	}
	es := p.EntraSettings()

	var roles []string
	for _, r := range es.AppRoles {
		roles = append(roles, r.Value+"|"+r.DisplayName+"|"+r.AllowedMemberTypes+"|"+r.Description)
	}
	want := []string{
		"active|active|Users/Groups|People must hold this role to use the app.",
		`standard_license|standard_license|Users/Groups|Gives the license "standard" in the app.`,
		`ReadOnly|ReadOnly|Users/Groups|Gives the access role "ReadOnly" in the app (1 of 4, from least to most privileged: a person holding several gets the most privileged).`,
		`User|User|Users/Groups|Gives the access role "User" in the app (2 of 4, from least to most privileged: a person holding several gets the most privileged).`,
		`Admin|Admin|Users/Groups|Gives the access role "Admin" in the app (3 of 4, from least to most privileged: a person holding several gets the most privileged).`,
		`EnterpriseAdmin|EnterpriseAdmin|Users/Groups|Gives the access role "EnterpriseAdmin" in the app (4 of 4, from least to most privileged: a person holding several gets the most privileged).`,
	}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Errorf("AppRoles (-want +got):\n%s", diff)
	}
	if es.RolesExpression != "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])" {
		t.Errorf("RolesExpression = %q", es.RolesExpression)
	}

	wantAttrs := []EntraAttribute{
		{Name: "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders", Type: "String", MultiValued: true,
			Expression: `Split([extensionAttribute1], ",")`,
			Holds:      "Folder ids or external ids. Each value names one of the app's folders, by its id or external id; a value naming no folder yet is kept, and counts once the folder exists."},
		{Name: "urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode", Type: "String", Open: true, Expression: "[extensionAttribute2]",
			Holds: "Free keys; values of any JSON type are kept as strings. Any name may follow the extension's name (costCode is an example); every value is kept as text."},
	}
	if diff := cmp.Diff(wantAttrs, es.Attributes); diff != "" {
		t.Errorf("Attributes (-want +got):\n%s", diff)
	}

	wantAllowed := []EntraAllowed{{Attribute: "userType", Values: []string{"Premium", "Standard"},
		Expression: `Switch([extensionAttribute3], "Premium", "Premium", "Premium", "Standard", "Standard")`,
		Note:       "Entra's own userType holds Member or Guest, which are not allowed here: map userType from another attribute, as in the example."}}
	if diff := cmp.Diff(wantAllowed, es.Allowed); diff != "" {
		t.Errorf("Allowed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"name.givenName", "name.familyName", `emails[type eq "work"].value`}, es.Required); diff != "" {
		t.Errorf("Required (-want +got):\n%s", diff)
	}

	notes := map[string][]string{}
	for _, m := range es.Defaults {
		if len(m.Policy) > 0 {
			notes[m.Object+" "+m.Target] = m.Policy
		}
	}
	wantNotes := map[string][]string{
		"User name.givenName":               {"Required: a person without it is refused."},
		"User name.familyName":              {"Required: a person without it is refused."},
		`User emails[type eq "work"].value`: {"Required: a person without it is refused.", "No two people may share it (compared ignoring case)."},
		"Group displayName":                 {"No two groups may share it (compared ignoring case)."},
	}
	if diff := cmp.Diff(wantNotes, notes); diff != "" {
		t.Errorf("notes on the default mappings (-want +got):\n%s", diff)
	}
}

// TestEntraSettingsDefault: a tenant without a policy has nothing to create
// in Entra; its default mappings say what the app does whatever the policy.
func TestEntraSettingsDefault(t *testing.T) {
	es := Default().EntraSettings()
	if len(es.AppRoles) != 0 || es.RolesExpression != "" || len(es.Attributes) != 0 || len(es.Allowed) != 0 || len(es.Required) != 0 {
		t.Errorf("EntraSettings() of the default policy = %+v, want no roles, attributes, allowed or required values", es)
	}
	var users, groups int
	for _, m := range es.Defaults {
		switch {
		case m.Object == "User":
			users++
		case m.Object == "Group":
			groups++
		}
		if m.Does == "" {
			t.Errorf("default mapping %s → %s says nothing of what the app does", m.Source, m.Target)
		}
	}
	if users != 11 || groups != 3 || !es.Defaults[0].Matching || es.Defaults[0].Target != "userName" {
		t.Errorf("defaults: %d users', %d groups', first %+v; want 11, 3, userName matching", users, groups, es.Defaults[0])
	}
	if _, ok := es.Sample["roles"]; ok {
		t.Errorf("the default policy's sample holds roles: %v", es.Sample["roles"])
	}
	dup := mustParse(t, `{"format":1,"groups":{"uniqueDisplayName":false}}`).EntraSettings()
	for _, m := range dup.Defaults {
		if m.Object == "Group" && len(m.Policy) > 0 {
			t.Errorf("groups may share names, yet the group's %s says %q", m.Target, m.Policy)
		}
	}
}

// TestEntraSettingsSample: the sample user of each policy is one the policy
// accepts, holding what the policy asks for.
func TestEntraSettingsSample(t *testing.T) {
	tests := []struct {
		name, doc string
		want      roster.Entitlements
		check     func(t *testing.T, u map[string]any)
	}{
		{name: "example", doc: string(Example()),
			want: roster.Entitlements{Active: true, Licenses: []string{"standard"}, AccessRole: "EnterpriseAdmin"},
			check: func(t *testing.T, u map[string]any) {
				if u["userType"] != "Premium" {
					t.Errorf("userType %v, want the first allowed value", u["userType"])
				}
				ext, _ := u["urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"].(map[string]any)
				if diff := cmp.Diff([]any{"example"}, ext["folders"]); diff != "" {
					t.Errorf("folders (kept when unknown) (-want +got):\n%s", diff)
				}
			}},
		{name: "default", doc: `{"format":1}`, want: roster.Entitlements{Active: true}},
		{name: "typed extension, required values, unknown folders refused",
			doc: `{"format":1,"extensions":[{"schema":"urn:acme:2.0:User","attributes":[
				{"name":"badge","type":"integer","required":true},{"name":"remote","type":"boolean"},
				{"name":"start","type":"dateTime"},{"name":"rate","type":"decimal"},
				{"name":"site","canonicalValues":["Oslo","Lima"]},{"name":"folders","multiValued":true}]}],
				"required":["phoneNumbers[type eq \"mobile\"].value","urn:acme:2.0:User:site","nickName"],
				"allowedValues":{"emails[type eq \"work\"].value":["ada@acme.example"]},
				"folders":{"attribute":"urn:acme:2.0:User:folders"}}`,
			want: roster.Entitlements{Active: true},
			check: func(t *testing.T, u map[string]any) {
				ext := u["urn:acme:2.0:User"].(map[string]any)
				if _, ok := ext["folders"]; ok {
					t.Error("the sample names a folder, which no folder of the app may be")
				}
				if ext["site"] != "Oslo" || ext["badge"] != 1815 {
					t.Errorf("site %v, badge %v; want the first canonical value and a number", ext["site"], ext["badge"])
				}
				emails := u["emails"].([]any)
				if len(emails) != 1 || emails[0].(map[string]any)["value"] != "ada@acme.example" {
					t.Errorf("emails %v, want the work email replaced by the allowed one", emails)
				}
				if !slices.Contains(u["schemas"].([]any), any("urn:acme:2.0:User")) {
					t.Errorf("schemas %v lack the extension", u["schemas"])
				}
			}},
		{name: "roles without an active rule, a license and one access role",
			doc:  `{"format":1,"roles":[{"value":"Viewer","effect":"accessRole"},{"value":"pro","effect":"license","grant":"Pro"}]}`,
			want: roster.Entitlements{Active: true, Licenses: []string{"Pro"}, AccessRole: "Viewer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.doc)
			sample := p.EntraSettings().Sample
			doc, err := p.Registry().Normalize("User", sample, nil, schema.Options{Mode: schema.Create, Unknown: p.Unknown()})
			if err != nil {
				t.Fatalf("Normalize(sample) = %v\nsample: %v", err, sample)
			}
			o, err := p.User(doc, NewFolderIndex(nil))
			if err != nil {
				t.Fatalf("User(sample) = %v\nsample: %v", err, sample)
			}
			if diff := cmp.Diff(tt.want, o.Entitlements); diff != "" {
				t.Errorf("entitlements of the sample (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, sample)
			}
		})
	}
}

func TestEntraRoleProblems(t *testing.T) {
	tests := []struct{ value, want string }{
		{"Admin", ""},
		{"contract_reviewer", ""},
		{"Read Only", "spaces"},
		{strings.Repeat("a", 121), "120 characters"},
		{".hidden", "dot"},
	}
	for _, tt := range tests {
		if got := entraRoleProblem(tt.value); !strings.Contains(got, tt.want) || (tt.want == "") != (got == "") {
			t.Errorf("entraRoleProblem(%q) = %q, want it to say %q", tt.value, got, tt.want)
		}
	}
}

func TestEntraSwitch(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"one value", []string{"Staff"}, `Switch([x], "Staff", "Staff", "Staff")`},
		{"quotes and backslashes escaped", []string{`A "B"`, `C\D`}, `Switch([x], "A \"B\"", "A \"B\"", "A \"B\"", "C\\D", "C\\D")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := entraSwitch("[x]", tt.values); got != tt.want {
				t.Errorf("entraSwitch(%q) = %s, want %s", tt.values, got, tt.want)
			}
		})
	}
}

func TestEntraSourcesRunOut(t *testing.T) {
	var src entraSources
	var last string
	for range 16 {
		last = src.next()
	}
	if last != "[the attribute that holds the value]" {
		t.Errorf("the 16th source is %q: Entra has 15 extension attributes", last)
	}
}

func TestEntraAttributeHolds(t *testing.T) {
	p := mustParse(t, `{"format":1,"extensions":[{"schema":"urn:acme:2.0:User","attributes":[
		{"name":"folders","multiValued":true},{"name":"pin","sensitive":true,"required":true},
		{"name":"site","canonicalValues":["Oslo","Lima"]},{"name":"rate","type":"decimal"},{"name":"start","type":"dateTime"},{"name":"remote","type":"boolean"}]}],
		"folders":{"attribute":"urn:acme:2.0:User:folders"}}`)
	var got []string
	for _, a := range p.EntraSettings().Attributes {
		got = append(got, a.Name+"|"+a.Type+"|"+a.Expression+"|"+a.Holds)
	}
	want := []string{
		`urn:acme:2.0:User:folders|String|Split([extensionAttribute1], ",")|Each value names one of the app's folders, by its id or external id; a value naming no folder is refused.`,
		`urn:acme:2.0:User:pin|String|[extensionAttribute2]|Required: a person without it is refused. A secret: written, never shown back.`,
		`urn:acme:2.0:User:site|String|[extensionAttribute3]|One of: Oslo, Lima.`,
		`urn:acme:2.0:User:rate|String|[extensionAttribute4]|`,
		`urn:acme:2.0:User:start|DateTime|FormatDateTime([extensionAttribute5], , "yyyyMMddHHmmss.fZ", "yyyy-MM-ddTHH:mm:ssZ")|`,
		`urn:acme:2.0:User:remote|Boolean|CBool([extensionAttribute6])|`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attributes (-want +got):\n%s", diff)
	}
}
