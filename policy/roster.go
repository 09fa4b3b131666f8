package policy

import (
	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// URN is the schema of the Roster extension of the User: the user's state in
// the app under the tenant's policy. Every attribute is read-only: the IdP
// never writes it, and a value it sends is dropped.
const URN = "urn:ietf:params:scim:schemas:extension:roster:2.0:User"

func rosterSchema() *schema.Schema {
	ro := func(name string, t schema.Type, multi bool, desc string, subs ...*schema.Attribute) *schema.Attribute {
		return &schema.Attribute{Name: name, Type: t, MultiValued: multi, Description: desc, SubAttributes: subs,
			Mutability: "readOnly", Returned: "default", Uniqueness: "none"}
	}
	id := ro("value", schema.String, false, "The folder's Roster id.")
	id.CaseExact = true
	return &schema.Schema{
		ID: URN, Name: "RosterUser",
		Description: "The user's state in the app, derived by the tenant's policy from the attributes the IdP sent. Read-only.",
		Attributes: []*schema.Attribute{
			ro("active", schema.Boolean, false, "Whether the user may use the app: SCIM active, and the role the policy requires for it, if any."),
			ro("licenses", schema.String, true, "The licenses the user's roles grant."),
			ro("accessRole", schema.String, false, "The web-portal access role the user's roles grant; absent: app sign-in only."),
			ro("roles", schema.String, true, "The user's role values that the policy maps to no effect, kept for access control inside the app."),
			ro("folders", schema.Complex, true, "The app's folders the user's folder values name.",
				id,
				ro("externalId", schema.String, false, "The folder's external id."),
				ro("display", schema.String, false, "The folder's name."),
			),
			ro("unresolvedFolders", schema.String, true, "Folder values that name no folder yet; resolved once the folder exists."),
		},
	}
}

// Extension returns the Roster extension object of a user: its entitlements,
// and the folders its folder values resolve to through fs.
func (p *Policy) Extension(u *roster.User, fs *FolderIndex) map[string]any {
	e := u.Entitlements
	m := map[string]any{"active": e.Active}
	if len(e.Licenses) > 0 {
		m["licenses"] = anyList(e.Licenses)
	}
	if e.AccessRole != "" {
		m["accessRole"] = e.AccessRole
	}
	if len(e.Roles) > 0 {
		m["roles"] = anyList(e.Roles)
	}
	if p.folders == nil {
		return m
	}
	found, missing := fs.resolve(p.folderValues(u.Doc))
	if len(found) > 0 {
		l := make([]any, len(found))
		for i, f := range found {
			o := map[string]any{"value": f.ID, "display": f.Name}
			if f.ExternalID != "" {
				o["externalId"] = f.ExternalID
			}
			l[i] = o
		}
		m["folders"] = l
	}
	if len(missing) > 0 {
		m["unresolvedFolders"] = anyList(missing)
	}
	return m
}

// ReadsDoc reports whether Extension reads the user's document: only a
// policy that maps folders does.
func (p *Policy) ReadsDoc() bool { return p.folders != nil }

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
