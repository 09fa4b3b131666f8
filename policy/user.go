package policy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// Outcome is what the policy makes of a user document besides the document.
type Outcome struct {
	Entitlements roster.Entitlements
	// Unique holds the values of the policy's unique paths (see roster.User.Unique).
	Unique map[string]string
	// Warnings are problems the policy lets through, such as unknown folders
	// kept as sent; the provisioning log records them.
	Warnings []string
}

// User applies the policy to the document of a new user: every check applies.
// See Change.
func (p *Policy) User(doc map[string]any, fs *FolderIndex) (*Outcome, error) {
	return p.Change(nil, doc, fs)
}

// Change applies the policy to a normalised user document that replaces
// prior, the stored one (nil for a new user): it checks allowed values,
// required attributes and folders (through fs), and derives the entitlements
// and unique values. The checks apply to what the write sets or changes, not
// to values it leaves as they were: a user stored before the policy required
// an attribute may still be written without it, but a write that removes it
// is refused; an unknown folder value the user already held is a warning.
// A problem is a *roster.Error (EINVALID) naming the attribute, with a
// reason of the provisioning log's catalog.
func (p *Policy) Change(prior, doc map[string]any, fs *FolderIndex) (*Outcome, error) {
	if err := p.checkAllowed(prior, doc); err != nil {
		return nil, err
	}
	for _, t := range p.required {
		if !p.holds(doc, t) && (prior == nil || p.holds(prior, t)) {
			return nil, &roster.Error{Code: roster.EINVALID, Attr: t.text, Reason: "policy_required", Detail: fmt.Sprintf(
				"%s is required by this tenant's policy: map an attribute to it in the IdP", t.text)}
		}
	}
	o := &Outcome{Entitlements: p.entitlements(doc), Unique: p.uniqueValues(doc)}
	if p.folders == nil {
		return o, nil
	}
	_, missing := fs.resolve(p.folderValues(doc))
	held := p.folderValues(prior)
	for _, m := range missing {
		if !p.keepFold && !slices.Contains(held, m) {
			return nil, &roster.Error{Code: roster.EINVALID, Attr: p.folders.text, Reason: "folder_unknown", Detail: fmt.Sprintf(
				"%s: no folder has the id or external id %q: create the folder in the app first", p.folders.text, m)}
		}
	}
	for _, m := range missing {
		o.Warnings = append(o.Warnings, fmt.Sprintf("folder %q does not exist yet: kept, and resolved once it does", m))
	}
	return o, nil
}

// checkAllowed refuses a value of doc outside its attribute's allowed values,
// unless prior (when not nil) already held it.
func (p *Policy) checkAllowed(prior, doc map[string]any) error {
	for _, a := range p.allowed {
		var had []any
		if prior != nil {
			had = p.values(prior, a.target)
		}
		for _, v := range p.values(doc, a.target) {
			s := fmt.Sprint(v)
			if slices.ContainsFunc(a.values, func(w string) bool { return s == w || !a.caseExact && strings.EqualFold(s, w) }) ||
				slices.ContainsFunc(had, func(h any) bool { return fmt.Sprint(h) == s }) {
				continue
			}
			return &roster.Error{Code: roster.EINVALID, Attr: a.text, Reason: "policy_value_not_allowed", Detail: fmt.Sprintf(
				"%s %q is not allowed by this tenant's policy: use one of %s", a.text, s, strings.Join(a.values, ", "))}
		}
	}
	return nil
}

// holds reports whether doc has a non-empty value at t.
func (p *Policy) holds(doc map[string]any, t target) bool {
	return slices.ContainsFunc(p.values(doc, t), func(v any) bool { return v != "" })
}

// uniqueValues returns the values of the policy's unique paths in doc, folded
// as they are compared; nil when there are none.
func (p *Policy) uniqueValues(doc map[string]any) map[string]string {
	var out map[string]string
	for _, t := range p.unique {
		vs := p.values(doc, t)
		if len(vs) == 0 {
			continue
		}
		s := fmt.Sprint(vs[0])
		if !t.caseExact {
			s = strings.ToLower(s)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[t.text] = s
	}
	return out
}

// Entitlements returns what the policy grants the user whose document is doc,
// without checking it.
func (p *Policy) Entitlements(doc map[string]any) roster.Entitlements {
	return p.entitlements(doc)
}

// folderValues returns the user's folder values as strings.
func (p *Policy) folderValues(doc map[string]any) []string {
	if p.folders == nil {
		return nil
	}
	var out []string
	for _, v := range p.values(doc, *p.folders) {
		if s := fmt.Sprint(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// values returns the values at t's path in doc: none, one, or several for a
// multi-valued attribute or a value path.
func (p *Policy) values(doc map[string]any, t target) []any {
	a := t.path.Attr
	base := doc
	if a.URN != "" {
		base, _ = lookup(doc, a.URN).(map[string]any)
	}
	v := lookup(base, a.Name)
	if v == nil {
		return nil
	}
	elems, multi := v.([]any)
	if !multi {
		elems = []any{v}
	}
	sub := a.Sub
	if t.path.Filter != nil {
		sub = t.path.Sub
		resolve := p.resolver()
		parent := filter.AttrPath{URN: a.URN, Name: a.Name}
		elems = slices.DeleteFunc(slices.Clone(elems), func(e any) bool { return !filter.MatchValue(parent, t.path.Filter, e, resolve) })
	}
	var out []any
	for _, e := range elems {
		if sub != "" {
			m, _ := e.(map[string]any)
			e = lookup(m, sub)
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// resolver tells the filter evaluator the registry's attribute types.
func (p *Policy) resolver() filter.Resolver {
	return func(ap filter.AttrPath) (filter.Attr, bool) {
		a, ok := p.registry.Lookup(userType, ap.URN, ap.Name, ap.Sub)
		if !ok {
			return filter.Attr{}, false
		}
		t := map[string]filter.Type{"boolean": filter.Boolean, "integer": filter.Integer, "decimal": filter.Decimal, "dateTime": filter.DateTime}[string(a.Type)]
		return filter.Attr{Type: t, CaseExact: a.CaseExact, MultiValued: a.MultiValued}, true
	}
}

// lookup returns m's value for key, matched exactly and then in any case.
func lookup(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// entitlements derives the user's entitlements from SCIM active and roles.
func (p *Policy) entitlements(doc map[string]any) roster.Entitlements {
	active, ok := doc["active"].(bool)
	if !ok {
		active = true
	}
	var e roster.Entitlements
	needActive, hasActive, rank := false, false, -1
	held := roleValues(doc["roles"])
	for i, r := range p.doc.Roles {
		has := slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, r.Value) })
		grant := cmp.Or(r.Grant, r.Value)
		switch r.Effect {
		case EffectActive:
			needActive = true
			hasActive = hasActive || has
		case EffectLicense:
			if has && !slices.Contains(e.Licenses, grant) {
				e.Licenses = append(e.Licenses, grant)
			}
		case EffectAccessRole:
			if has && i > rank {
				e.AccessRole, rank = grant, i
			}
		}
	}
	for _, h := range held {
		if !slices.ContainsFunc(p.doc.Roles, func(r Role) bool { return strings.EqualFold(h, r.Value) }) && !slices.Contains(e.Roles, h) {
			e.Roles = append(e.Roles, h)
		}
	}
	e.Active = active && (!needActive || hasActive)
	return e
}

// roleValues returns the role values of a user's roles attribute in every
// form Entra ID writes it: {"value": "Admin"}; a value that is itself a JSON
// string holding the app role, {"value": "{\"id\":…,\"value\":\"Admin\",
// \"displayName\":\"Admin\"}"}, whose inner value (else displayName) counts;
// and, for an element with no value, its display.
func roleValues(v any) []string {
	elems, ok := v.([]any)
	if !ok && v != nil {
		elems = []any{v}
	}
	var out []string
	for _, e := range elems {
		var s string
		switch e := e.(type) {
		case string:
			s = innerRole(e)
		case map[string]any:
			if val, _ := lookup(e, "value").(string); val != "" {
				s = innerRole(val)
			} else {
				s, _ = lookup(e, "display").(string)
			}
		}
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// innerRole returns the role a value names: the value itself, or for a JSON
// object its "value", else its "displayName".
func innerRole(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") {
		return s
	}
	var r struct {
		Value       any    `json:"value"`
		DisplayName string `json:"displayName"`
	}
	if json.Unmarshal([]byte(t), &r) != nil {
		return s
	}
	if v, ok := r.Value.(string); ok && v != "" {
		return v
	}
	if r.Value != nil {
		return fmt.Sprint(r.Value)
	}
	return cmp.Or(r.DisplayName, s)
}
