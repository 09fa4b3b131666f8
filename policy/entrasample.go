package policy

import (
	"cmp"
	"slices"

	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/schema"
)

// entraSample returns a user as Entra sends it to create one with its default
// mappings, holding the roles the policy maps, a value for each attribute of
// its extensions (a folder value only when unknown folders are kept), an
// allowed value where it limits values, and a value where it requires one.
func (p *Policy) entraSample() map[string]any {
	const mail = "ada.lovelace@example.com"
	doc := map[string]any{
		"schemas":                []any{schema.UserURN, schema.EnterpriseUserURN},
		"externalId":             "0f8fad5b-d9cb-469f-a165-70867728950e",
		"userName":               mail,
		"active":                 true,
		"displayName":            "Ada Lovelace",
		"name":                   map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails":                 []any{map[string]any{"value": mail, "type": "work", "primary": true}},
		"title":                  "Analyst",
		schema.EnterpriseUserURN: map[string]any{"department": "Research", "employeeNumber": "1815"},
	}
	if roles := p.sampleRoles(); len(roles) > 0 {
		doc["roles"] = roles
	}
	for _, x := range p.doc.Extensions {
		ext := map[string]any{}
		if x.Open {
			ext["costCode"] = "CC-1815"
		}
		for _, a := range x.Attributes {
			if p.folders != nil && !p.keepFold && !a.Required && samePath(p.folders.text, x.Schema+":"+a.Name) {
				continue // a folder value must name a folder of the app
			}
			ext[a.Name] = sampleValue(cmp.Or(a.Type, "string"), a.CanonicalValues, a.MultiValued)
		}
		if len(ext) > 0 {
			doc[x.Schema] = ext
			doc["schemas"] = append(doc["schemas"].([]any), x.Schema)
		}
	}
	for _, a := range p.allowed {
		p.sampleSet(doc, a.target, a.values[0], true)
	}
	for _, t := range p.required {
		if !p.holds(doc, t) {
			p.sampleSet(doc, t, nil, false)
		}
	}
	return doc
}

// sampleRoles returns the roles attribute of a user holding every role the
// policy requires to be active, every license, and the most privileged
// access role, as AssertiveAppRoleAssignmentsComplex sends them.
func (p *Policy) sampleRoles() []any {
	var held []Role
	var access *Role
	for _, r := range p.doc.Roles {
		switch r.Effect {
		case EffectAccessRole:
			access = &r
		default:
			held = append(held, r)
		}
	}
	if access != nil {
		held = append(held, *access)
	}
	roles := make([]any, 0, len(held))
	for _, r := range held {
		roles = append(roles, map[string]any{"primary": false, "type": "WindowsAzureActiveDirectoryRole", "display": r.Value, "value": r.Value})
	}
	return roles
}

// sampleValue is an example value of an attribute of type typ: its first
// canonical value when it has some, in a list when it is multi-valued.
func sampleValue(typ string, canonical []string, multi bool) any {
	var v any
	switch {
	case len(canonical) > 0:
		v = canonical[0]
	case typ == "boolean":
		v = true
	case typ == "integer":
		v = 1815
	case typ == "decimal":
		v = 18.15
	case typ == "dateTime":
		v = "2026-01-05T09:00:00Z"
	case typ == "reference":
		v = "https://example.com/ada"
	case typ == "binary":
		v = "QWRh"
	default:
		v = "example"
	}
	if multi {
		return []any{v}
	}
	return v
}

// sampleSet sets the value at t's path in doc: v, or when v is nil an
// example of the attribute's type. A value path's element ([type eq "x"])
// is added with the value its filter asks; replace first removes the
// elements the filter matches. Paths it cannot build are left alone.
func (p *Policy) sampleSet(doc map[string]any, t target, v any, replace bool) {
	a := t.path.Attr
	base := doc
	if a.URN != "" {
		m, ok := doc[a.URN].(map[string]any)
		if !ok {
			m = map[string]any{}
			doc[a.URN] = m
			doc["schemas"] = append(doc["schemas"].([]any), a.URN)
		}
		base = m
	}
	parent, ok := p.registry.Lookup(userType, a.URN, a.Name, "")
	if !ok {
		return
	}
	sub := cmp.Or(a.Sub, t.path.Sub)
	leaf := parent
	if sub != "" {
		if leaf, ok = p.registry.Lookup(userType, a.URN, a.Name, sub); !ok {
			return
		}
	}
	if v == nil {
		v = sampleValue(string(leaf.Type), leaf.CanonicalValues, false)
	}
	switch {
	case sub == "" && parent.MultiValued:
		base[a.Name] = []any{v}
	case sub == "":
		base[a.Name] = v
	case parent.MultiValued:
		p.sampleElement(base, a, t.path.Filter, sub, v, replace)
	default:
		m, _ := base[a.Name].(map[string]any)
		if m == nil {
			m = map[string]any{}
			base[a.Name] = m
		}
		m[sub] = v
	}
}

// sampleElement adds an element {sub: v} to the multi-valued complex
// attribute a of base, with the value its filter (f, nil for none) asks when
// it is an equality; replace first removes the elements f matches.
func (p *Policy) sampleElement(base map[string]any, a filter.AttrPath, f filter.Expr, sub string, v any, replace bool) {
	elem := map[string]any{sub: v}
	if f != nil {
		c, ok := f.(*filter.Compare)
		if !ok || c.Op != filter.Eq {
			return
		}
		elem[c.Attr.Name] = c.Value.Text
		if c.Value.Kind == filter.KindBool {
			elem[c.Attr.Name] = c.Value.Bool
		}
	}
	list, _ := base[a.Name].([]any)
	if replace && f != nil {
		parent, resolve := filter.AttrPath{URN: a.URN, Name: a.Name}, p.resolver()
		list = slices.DeleteFunc(slices.Clone(list), func(e any) bool { return filter.MatchValue(parent, f, e, resolve) })
	}
	base[a.Name] = append(list, elem)
}
