package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/schema"
)

// EntraSettings is a policy rendered as the settings a customer's admin makes
// in Microsoft Entra ID, so that what Entra sends is what the policy expects:
// what Entra's default attribute mappings send and what becomes of each, the
// app roles to create and the mapping that sends them, the target attributes
// to add for the policy's extensions with an example source for each, and the
// values the policy allows. It speaks to the customer: the app is "the app".
type EntraSettings struct {
	// Defaults are Entra's default mappings of a non-gallery application,
	// users' then groups', each with what the policy adds to it.
	Defaults []EntraMapping
	// AppRoles are the app roles to create, one per role rule, in the
	// policy's order (which ranks access roles).
	AppRoles []EntraAppRole
	// RolesExpression is the expression that sends a user's app role
	// assignments in roles; "" when the policy gives roles no effect.
	RolesExpression string
	// Attributes are the target attributes to add to the application's
	// attribute list and map: one per attribute of the policy's extensions,
	// and one example key per open extension.
	Attributes []EntraAttribute
	// Allowed are the attributes whose values the policy limits, userType first.
	Allowed []EntraAllowed
	// Required are the attributes every user must have a value at, Unique
	// those no two users may share, as the policy writes them.
	Required, Unique []string
	// Sample is a user as Entra sends it to create one, holding the policy's
	// roles, extension attributes, allowed and required values, so that the
	// policy accepts it (unless a folder value must name an existing folder).
	Sample map[string]any
}

// EntraMapping is one of Entra's default attribute mappings.
type EntraMapping struct {
	// Object is "User" or "Group".
	Object string
	// Source is Entra's source attribute or expression; Target the SCIM attribute.
	Source, Target string
	// Matching reports whether Entra finds the object in the app by it.
	Matching bool
	// Does says what the app does with the value.
	Does string
	// Policy says what the tenant's policy adds: required, unique, allowed values.
	Policy []string
}

// EntraAppRole is an app role to create in the application's registration.
type EntraAppRole struct {
	DisplayName string
	// AllowedMemberTypes is the choice in Entra's form: "Users/Groups".
	AllowedMemberTypes string
	// Value is the role's value, exactly as the policy writes it.
	Value string
	// Description says what holding the role does in the app.
	Description string
	// Problem says why Entra cannot hold Value ("" when it can): Entra's
	// values have no spaces, at most 120 characters, and no leading dot.
	Problem string
}

// EntraAttribute is a target attribute to add to the application's attribute
// list (Show advanced options, Edit attribute list) and map.
type EntraAttribute struct {
	// Name is the attribute's full name: its extension's URN, ":", its name.
	// For an open extension, whose keys are free, it names an example key.
	Name string
	// Type is its type in Entra's attribute list: String, Boolean, Integer,
	// DateTime, Reference or Binary.
	Type                  string
	MultiValued, Required bool
	// Open reports whether the extension takes any key (Name is an example).
	Open bool
	// Expression is an example source for its mapping: an attribute of the
	// directory that may hold the value, turned into the type expected.
	Expression string
	// Holds says what the value means to the app.
	Holds string
}

// EntraAllowed is an attribute whose values the policy limits.
type EntraAllowed struct {
	// Attribute is its path as the policy writes it ("userType").
	Attribute string
	Values    []string
	// Expression is an example mapping sending an allowed value only.
	Expression string
	// Note warns of a default of Entra that sends other values ("" for none).
	Note string
}

// entraRoles is the expression that sends app role assignments as roles and
// takes away those no longer assigned, so that losing a role takes its effect.
const entraRoles = "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])"

// enterprise names an attribute of the enterprise User extension.
func enterprise(name string) string { return schema.EnterpriseUserURN + ":" + name }

// entraDefaults are the attribute mappings Entra gives a non-gallery
// application, and what the app makes of each whatever the policy.
var entraDefaults = []EntraMapping{
	{Object: "User", Source: "userPrincipalName", Target: "userName", Matching: true,
		Does: "Identifies the person. No two people may share it (compared ignoring case): a second one is refused, naming who holds it."},
	{Object: "User", Source: `Switch([IsSoftDeleted], , "False", "True", "True", "False")`, Target: "active",
		Does: "False deactivates the person: kept, but unable to use the app or sign in until it is true again."},
	{Object: "User", Source: "displayName", Target: "displayName", Does: "Shown as the person's name."},
	{Object: "User", Source: "mail", Target: `emails[type eq "work"].value`, Does: "Kept as the work email."},
	{Object: "User", Source: "givenName", Target: "name.givenName", Does: "Kept as the first name."},
	{Object: "User", Source: "surname", Target: "name.familyName", Does: "Kept as the last name."},
	{Object: "User", Source: "jobTitle", Target: "title", Does: "Kept as the job title."},
	{Object: "User", Source: "mailNickname", Target: "externalId", Does: "Kept as the person's id in your directory; the app's log shows it. Change the source to objectId: sign-in then matches people by their Entra object id."},
	{Object: "User", Source: "department", Target: enterprise("department"), Does: "Kept as the department."},
	{Object: "User", Source: "employeeId", Target: enterprise("employeeNumber"), Does: "Kept as the employee number."},
	{Object: "User", Source: "manager", Target: enterprise("manager"), Does: "Kept as the manager, by the manager's id in the app."},
	{Object: "Group", Source: "displayName", Target: "displayName", Matching: true, Does: "The group's name."},
	{Object: "Group", Source: "objectId", Target: "externalId", Does: "Kept as the group's id in your directory."},
	{Object: "Group", Source: "members", Target: "members", Does: "Members added and removed as they change in Entra."},
}

// EntraSettings renders the policy as Entra ID's settings.
func (p *Policy) EntraSettings() *EntraSettings {
	es := &EntraSettings{Required: slices.Clone(p.doc.Required), Unique: slices.Clone(p.doc.Unique)}
	for _, m := range entraDefaults {
		m.Policy = p.entraNotes(m)
		es.Defaults = append(es.Defaults, m)
	}
	es.AppRoles = p.entraAppRoles()
	if len(es.AppRoles) > 0 {
		es.RolesExpression = entraRoles
	}
	src := &entraSources{}
	es.Attributes = p.entraAttributes(src)
	es.Allowed = p.entraAllowed(src)
	es.Sample = p.entraSample()
	return es
}

// entraNotes says what the policy adds to a default mapping.
func (p *Policy) entraNotes(m EntraMapping) []string {
	if m.Object == "Group" {
		if m.Target == "displayName" && p.UniqueGroupNames() {
			return []string{"No two groups may share it (compared ignoring case)."}
		}
		return nil
	}
	var notes []string
	for _, t := range p.required {
		if samePath(t.text, m.Target) {
			notes = append(notes, "Required: a person without it is refused.")
		}
	}
	for _, t := range p.unique {
		if samePath(t.text, m.Target) {
			notes = append(notes, "No two people may share it (compared ignoring case).")
		}
	}
	for _, a := range p.allowed {
		if samePath(a.text, m.Target) {
			notes = append(notes, "Allowed values: "+strings.Join(a.values, ", ")+".")
		}
	}
	if p.folders != nil && samePath(p.folders.text, m.Target) {
		notes = append(notes, "Names the person's folders in the app.")
	}
	return notes
}

// samePath reports whether two attribute paths name the same attribute:
// compared in their canonical form, ignoring case and the core User URN.
func samePath(a, b string) bool {
	canon := func(s string) string {
		p, err := filter.ParsePath(s)
		if err != nil {
			return s
		}
		if strings.EqualFold(p.Attr.URN, schema.UserURN) {
			p.Attr.URN = ""
		}
		return p.String()
	}
	return strings.EqualFold(canon(a), canon(b))
}

// entraAppRoles returns the app roles the policy's role rules need.
func (p *Policy) entraAppRoles() []EntraAppRole {
	var ranked []string
	for _, r := range p.doc.Roles {
		if r.Effect == EffectAccessRole {
			ranked = append(ranked, r.Value)
		}
	}
	var roles []EntraAppRole
	for _, r := range p.doc.Roles {
		ar := EntraAppRole{DisplayName: r.Value, AllowedMemberTypes: "Users/Groups", Value: r.Value, Problem: entraRoleProblem(r.Value)}
		grant := cmp.Or(r.Grant, r.Value)
		switch r.Effect {
		case EffectActive:
			ar.Description = "People must hold this role to use the app."
		case EffectLicense:
			ar.Description = fmt.Sprintf("Gives the license %q in the app.", grant)
		case EffectAccessRole:
			ar.Description = fmt.Sprintf("Gives the access role %q in the app (%d of %d, from least to most privileged: a person holding several gets the most privileged).",
				grant, slices.Index(ranked, r.Value)+1, len(ranked))
		}
		roles = append(roles, ar)
	}
	return roles
}

// entraRoleProblem says why Entra cannot hold an app role's value, "" when it can.
func entraRoleProblem(v string) string {
	switch {
	case strings.ContainsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' }):
		return "Entra refuses spaces in an app role's value: ask the team that sent you this page to rename the role."
	case len(v) > 120:
		return "Entra refuses app role values longer than 120 characters: ask the team that sent you this page to rename the role."
	case strings.HasPrefix(v, "."):
		return "Entra refuses app role values starting with a dot: ask the team that sent you this page to rename the role."
	}
	return ""
}

// entraSources hands out Entra's spare source attributes, extensionAttribute1
// to extensionAttribute15, one per example mapping.
type entraSources struct{ n int }

func (s *entraSources) next() string {
	if s.n == 15 {
		return "[the attribute that holds the value]"
	}
	s.n++
	return fmt.Sprintf("[extensionAttribute%d]", s.n)
}

// entraTypes are the types of Entra's attribute list for the policy's types:
// Entra has no decimal, which travels as a string.
var entraTypes = map[string]string{"string": "String", "boolean": "Boolean", "integer": "Integer",
	"decimal": "String", "dateTime": "DateTime", "reference": "Reference", "binary": "Binary"}

// entraAttributes returns the target attributes of the policy's extensions.
func (p *Policy) entraAttributes(src *entraSources) []EntraAttribute {
	var out []EntraAttribute
	for _, x := range p.doc.Extensions {
		if x.Open {
			out = append(out, EntraAttribute{Name: x.Schema + ":costCode", Type: "String", Open: true, Expression: src.next(),
				Holds: strings.TrimSpace(x.Description + " Any name may follow the extension's name (costCode is an example); every value is kept as text.")})
			continue
		}
		for _, a := range x.Attributes {
			ea := EntraAttribute{Name: x.Schema + ":" + a.Name, Type: entraTypes[cmp.Or(a.Type, "string")], MultiValued: a.MultiValued,
				Required: a.Required, Holds: p.entraHolds(x, a)}
			ea.Expression = entraExpression(cmp.Or(a.Type, "string"), a.MultiValued, src.next())
			out = append(out, ea)
		}
	}
	return out
}

// entraExpression is an example expression sending source as typ.
func entraExpression(typ string, multi bool, source string) string {
	switch {
	case multi:
		return fmt.Sprintf("Split(%s, \",\")", source)
	case typ == "boolean":
		return fmt.Sprintf("CBool(%s)", source)
	case typ == "dateTime":
		return fmt.Sprintf("FormatDateTime(%s, , \"yyyyMMddHHmmss.fZ\", \"yyyy-MM-ddTHH:mm:ssZ\")", source)
	}
	return source
}

// entraHolds says what an extension attribute means to the app.
func (p *Policy) entraHolds(x Extension, a Attribute) string {
	notes := []string{strings.TrimSpace(a.Description)}
	if p.folders != nil && samePath(p.folders.text, x.Schema+":"+a.Name) {
		n := "Each value names one of the app's folders, by its id or external id; a value naming no folder is refused."
		if p.keepFold {
			n = "Each value names one of the app's folders, by its id or external id; a value naming no folder yet is kept, and counts once the folder exists."
		}
		notes = append(notes, n)
	}
	if len(a.CanonicalValues) > 0 {
		notes = append(notes, "One of: "+strings.Join(a.CanonicalValues, ", ")+".")
	}
	if a.Required {
		notes = append(notes, "Required: a person without it is refused.")
	}
	if a.Sensitive {
		notes = append(notes, "A secret: written, never shown back.")
	}
	return strings.TrimSpace(strings.Join(notes, " "))
}

// entraAllowed returns the attributes whose values the policy limits, userType first.
func (p *Policy) entraAllowed(src *entraSources) []EntraAllowed {
	var out []EntraAllowed
	for _, a := range p.allowed {
		ea := EntraAllowed{Attribute: a.text, Values: a.values, Expression: entraSwitch(src.next(), a.values)}
		if samePath(a.text, "userType") && !slices.ContainsFunc(a.values, func(v string) bool {
			return strings.EqualFold(v, "Member") || strings.EqualFold(v, "Guest")
		}) {
			ea.Note = "Entra's own userType holds Member or Guest, which are not allowed here: map userType from another attribute, as in the example."
		}
		out = append(out, ea)
	}
	slices.SortStableFunc(out, func(a, b EntraAllowed) int {
		return cmp.Compare(boolRank(!samePath(a.Attribute, "userType")), boolRank(!samePath(b.Attribute, "userType")))
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// entraSwitch is a Switch expression sending source's value when it is one
// of values, else the first of them.
func entraSwitch(source string, values []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Switch(%s, %s", source, entraQuote(values[0]))
	for _, v := range values {
		fmt.Fprintf(&b, ", %s, %s", entraQuote(v), entraQuote(v))
	}
	b.WriteByte(')')
	return b.String()
}

// entraQuote quotes s as a string of Entra's expressions, which escape a
// double quote with a backslash.
func entraQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
