package patch_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/schema"
)

// readRoles reads a body from testdata/entra-roles.
func readRoles(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "entra-roles", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// createUser normalises a POST body of testdata/entra-roles as the server
// does, giving the stored document; "" is a user without roles.
func createUser(t *testing.T, reg *schema.Registry, name string) map[string]any {
	t.Helper()
	body := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alias@contoso.OnMicrosoft.com","active":true}`)
	if name != "" {
		body = readRoles(t, name)
	}
	doc, err := reg.Normalize("User", decodeJSON(t, string(body)), nil, schema.Options{Mode: schema.Create})
	if err != nil {
		t.Fatalf("Normalize(%s) = %v", name, err)
	}
	return doc
}

// Roles as the create bodies of testdata/entra-roles store them.
const (
	singleRoles    = `[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Admin"}]`
	complexRoles   = `[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","displayName":"Admin","value":"Admin"},{"primary":false,"type":"WindowsAzureActiveDirectoryRole","displayName":"User","value":"User"}]`
	assertiveRoles = `[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"User","value":"User"},{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Test","value":"Test"}]`
)

// TestEntraRoleCreate normalises the POST bodies of the three role mapping
// expressions: the roles are stored as Entra ID wrote them, booleans as
// booleans.
func TestEntraRoleCreate(t *testing.T) {
	tests := []struct {
		file  string
		roles string
	}{
		{file: "single-create.json", roles: singleRoles},
		{file: "complex-create.json", roles: complexRoles},
		{file: "complex-create-display.json", roles: `[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"},{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"User","value":"User"}]`},
		{file: "assertive-create.json", roles: assertiveRoles},
	}
	reg := schema.New()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc := createUser(t, reg, tt.file)
			if diff := cmp.Diff(plainJSON(t, decodeJSON(t, `{"roles":`+tt.roles+`}`)["roles"]), plainJSON(t, doc["roles"])); diff != "" {
				t.Errorf("roles of %s mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// TestEntraRoles applies the PATCH bodies of testdata/entra-roles to users
// created by the POST bodies (or without roles) as the server does, and
// checks the roles stored: exactly as Entra ID wrote them, a value holding
// JSON kept as the string it is.
func TestEntraRoles(t *testing.T) {
	const (
		jsonAdmin = `"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"`
		jsonUser  = `"{\"id\":\"06b07648-ecfe-599f-9d2f-6325724a46ee\",\"value\":\"User\",\"displayName\":\"User\"}"`
		json25    = `"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"`
	)
	tests := []struct {
		name    string
		created string // the POST body of the user, "" for a user without roles
		files   []string
		want    string // the roles stored, as JSON; "" for none
	}{
		{
			name:  "SingleAppRoleAssignment add to a user without roles",
			files: []string{"single-patch-add.json"},
			want:  `[{"value":` + json25 + `}]`,
		},
		{
			name:    "SingleAppRoleAssignment add after its POST",
			created: "single-create.json",
			files:   []string{"single-patch-add.json"},
			want:    `[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Admin"},{"value":` + json25 + `}]`,
		},
		{
			name:  "AppRoleAssignmentsComplex add to a user without roles",
			files: []string{"complex-patch-add.json"},
			want:  `[{"value":` + jsonAdmin + `},{"value":` + jsonUser + `}]`,
		},
		{
			name:    "AppRoleAssignmentsComplex add after its POST keeps the roles there",
			created: "complex-create.json",
			files:   []string{"complex-patch-add.json"},
			want:    complexRoles[:len(complexRoles)-1] + `,{"value":` + jsonAdmin + `},{"value":` + jsonUser + `}]`,
		},
		{
			name:  "AppRoleAssignmentsComplex add sent twice adds once",
			files: []string{"complex-patch-add.json", "complex-patch-add.json"},
			want:  `[{"value":` + jsonAdmin + `},{"value":` + jsonUser + `}]`,
		},
		{
			name:    "AssertiveAppRoleAssignmentsComplex replace removes the roles no longer assigned",
			created: "complex-create.json",
			files:   []string{"assertive-patch-replace.json"},
			want:    assertiveRoles,
		},
		{
			name:    "AssertiveAppRoleAssignmentsComplex replace after its POST",
			created: "assertive-create.json",
			files:   []string{"assertive-patch-replace.json"},
			want:    assertiveRoles,
		},
		{
			name:  "AssertiveAppRoleAssignmentsComplex replace after the JSON-string form",
			files: []string{"complex-patch-add.json", "assertive-patch-replace.json"},
			want:  assertiveRoles,
		},
		{
			// RFC 7644 §3.5.2.3 answers noTarget when a value filter matches
			// nothing; Entra ID maps SingleAppRoleAssignment to this path for
			// users who have no role yet, so the role is created, primary.
			name:  "roles[primary eq \"True\"].value on a user without roles creates the primary role",
			files: []string{"single-patch-replace.json"},
			want:  `[{"primary":true,"value":"Admin"}]`,
		},
		{
			name:    "roles[primary eq \"True\"].value on a user whose roles are not primary adds the primary role",
			created: "complex-create.json",
			files:   []string{"single-patch-replace.json"},
			want:    complexRoles[:len(complexRoles)-1] + `,{"primary":true,"value":"Admin"}]`,
		},
		{
			name:    "roles[primary eq \"True\"].value replaces the primary role's value",
			created: "single-create.json",
			files:   []string{"single-patch-replace-all.json"},
			want:    `[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"}]`,
		},
		{
			name:  "all three target attributes on a user without roles make one role",
			files: []string{"single-patch-replace-all.json"},
			want:  `[{"primary":true,"display":"Admin","value":"Admin","type":"WindowsAzureActiveDirectoryRole"}]`,
		},
	}
	reg := schema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := createUser(t, reg, tt.created)
			for _, f := range tt.files {
				var err error
				if doc, err = patchUser(t, reg, doc, readRoles(t, f)); err != nil {
					t.Fatalf("PATCH %s = %v", f, err)
				}
			}
			var want any
			if tt.want != "" {
				want = plainJSON(t, decodeJSON(t, `{"roles":`+tt.want+`}`)["roles"])
			}
			if diff := cmp.Diff(want, plainJSON(t, doc["roles"])); diff != "" {
				t.Errorf("roles mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEntraRolePrimaryReplace replaces the primary role's value on a user
// holding other roles: only the primary one changes, and it stays primary.
func TestEntraRolePrimaryReplace(t *testing.T) {
	reg := schema.New()
	doc := decodeJSON(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b",
		"roles":[{"value":"Reader","primary":false},{"value":"Old","primary":true,"display":"Old role"}]}`)
	for _, op := range []string{"Replace", "replace", "Add"} {
		got, err := patchUser(t, reg, doc, patchBody(`{"op":"`+op+`","path":"roles[primary eq \"True\"].value","value":"Admin"}`))
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		want := plainJSON(t, decodeJSON(t, `{"r":[{"value":"Reader","primary":false},{"value":"Admin","primary":true,"display":"Old role"}]}`)["r"])
		if diff := cmp.Diff(want, plainJSON(t, got["roles"])); diff != "" {
			t.Errorf("%s: roles mismatch (-want +got):\n%s", op, diff)
		}
	}
}
