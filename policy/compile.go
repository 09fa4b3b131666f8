package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/schema"
)

// userType is the resource type every rule of a policy applies to.
const userType = "User"

// compile validates d and builds its Policy.
func compile(d Doc) (*Policy, error) {
	if d.Format != Format {
		return nil, invalid("format", "policy: format %d: this Roster reads format %d", d.Format, Format)
	}
	p := &Policy{doc: d}
	if err := p.compileSchemas(); err != nil {
		return nil, err
	}
	if err := p.compileRules(); err != nil {
		return nil, err
	}
	if err := p.compileOwnership(); err != nil {
		return nil, err
	}
	g, err := compileGuard(d.DeprovisionGuard)
	if err != nil {
		return nil, err
	}
	p.guard = g
	return p, nil
}

// compileSchemas builds the registry: the defaults, the Roster extension and
// the sign-in extension, then the tenant's extensions.
func (p *Policy) compileSchemas() error {
	d := p.doc
	if err := oneOf("unknownAttributes", d.UnknownAttributes, "reject", "store", "ignore"); err != nil {
		return err
	}
	p.unknown = map[string]schema.Unknown{"": schema.Reject, "reject": schema.Reject, "store": schema.Keep, "ignore": schema.Drop}[d.UnknownAttributes]
	reg, err := schema.New().WithExtension(userType, rosterSchema(), false)
	if err == nil {
		reg, err = reg.WithExtension(userType, signInSchema(), false)
	}
	if err != nil {
		panic("policy: roster extensions: " + err.Error())
	}
	for i, x := range d.Extensions {
		field := fmt.Sprintf("extensions[%d]", i)
		s, err := x.schema(field)
		if err != nil {
			return err
		}
		if reg, err = reg.WithExtension(userType, s, false); err != nil {
			return invalid(field+".schema", "policy: %s: %s", field, strings.TrimPrefix(err.Error(), "schema: "))
		}
	}
	p.registry = reg
	p.sensitive = reg.Sensitive()
	return nil
}

// attributeTypes are the types an extension attribute may have.
var attributeTypes = []string{"string", "boolean", "integer", "decimal", "dateTime", "reference", "binary"}

// schema returns the SCIM schema of extension x.
func (x Extension) schema(field string) (*schema.Schema, error) {
	if x.Schema == "" {
		return nil, invalid(field+".schema", "policy: %s.schema: the extension's URN is required", field)
	}
	if x.Open && len(x.Attributes) > 0 {
		return nil, invalid(field+".attributes", "policy: %s: an open extension takes any key and lists no attributes", field)
	}
	if !x.Open && len(x.Attributes) == 0 {
		return nil, invalid(field+".attributes", "policy: %s: list the extension's attributes, or set \"open\": true", field)
	}
	name := x.Name
	if name == "" {
		name = x.Schema[strings.LastIndexByte(x.Schema, ':')+1:]
	}
	s := &schema.Schema{ID: x.Schema, Name: name, Description: x.Description, Open: x.Open}
	for j, a := range x.Attributes {
		f := fmt.Sprintf("%s.attributes[%d]", field, j)
		t := a.Type
		if t == "" {
			t = "string"
		}
		if err := oneOf(f+".type", t, attributeTypes...); err != nil {
			return nil, err
		}
		s.Attributes = append(s.Attributes, &schema.Attribute{
			Name: a.Name, Type: schema.Type(t), MultiValued: a.MultiValued, Required: a.Required,
			CaseExact: a.CaseExact, CanonicalValues: a.CanonicalValues, Description: a.Description,
			Returned: returned(a.Sensitive),
		})
	}
	return s, nil
}

// returned is the "returned" characteristic of an attribute, sensitive or not.
func returned(sensitive bool) string {
	if sensitive {
		return "never"
	}
	return "default"
}

// compileRules checks roles, allowed values, required and unique paths,
// folders and deprovisioning against the registry.
func (p *Policy) compileRules() error {
	d := p.doc
	if err := oneOf("deprovision", d.Deprovision, "delete", "deactivate"); err != nil {
		return err
	}
	seen := map[string]int{}
	for i, r := range d.Roles {
		f := fmt.Sprintf("roles[%d]", i)
		if r.Value == "" {
			return invalid(f+".value", "policy: %s.value: the role value is required", f)
		}
		if r.Effect == "" {
			return invalid(f+".effect", "policy: %s.effect: the effect is required: one of %s, %s, %s", f, EffectActive, EffectLicense, EffectAccessRole)
		}
		if err := oneOf(f+".effect", r.Effect, EffectActive, EffectLicense, EffectAccessRole); err != nil {
			return err
		}
		if r.Grant != "" && r.Effect == EffectActive {
			return invalid(f+".grant", "policy: %s.grant: the active effect grants nothing to name", f)
		}
		key := strings.ToLower(r.Value)
		if j, ok := seen[key]; ok {
			return invalid(f+".value", "policy: %s.value %q: already mapped by roles[%d]", f, r.Value, j)
		}
		seen[key] = i
	}
	var err error
	for i, s := range d.Required {
		t, err := p.target(fmt.Sprintf("required[%d]", i), s)
		if err != nil {
			return err
		}
		p.required = append(p.required, t)
	}
	for i, s := range d.Unique {
		t, err := p.target(fmt.Sprintf("unique[%d]", i), s)
		if err != nil {
			return err
		}
		p.unique = append(p.unique, t)
	}
	keys := make([]string, 0, len(d.AllowedValues))
	for k := range d.AllowedValues {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := fmt.Sprintf("allowedValues[%q]", k)
		t, err := p.target(f, k)
		if err != nil {
			return err
		}
		vs := d.AllowedValues[k]
		if len(vs) == 0 || slices.Contains(vs, "") {
			return invalid(f, "policy: %s: list the allowed values, none empty", f)
		}
		p.allowed = append(p.allowed, allowed{target: t, values: vs})
	}
	if d.Folders != nil {
		if err := oneOf("folders.unknown", d.Folders.Unknown, "reject", "keep"); err != nil {
			return err
		}
		t, err := p.target("folders.attribute", d.Folders.Attribute)
		if err != nil {
			return err
		}
		p.folders, p.keepFold = &t, d.Folders.Unknown == "keep"
	}
	return err
}

// target parses and resolves the attribute path s of the policy's field.
// The path must end at a simple attribute: "userType", "name.givenName",
// "emails[type eq \"work\"].value", "urn:…:CustomExtensionName:folders".
func (p *Policy) target(field, s string) (target, error) {
	path, err := filter.ParsePath(s)
	if err != nil {
		return target{}, invalid(field, "policy: %s %q: %s", field, s, strings.TrimPrefix(err.Error(), "filter: "))
	}
	if path.Attr.URN != "" && strings.EqualFold(path.Attr.URN, schema.UserURN) {
		path.Attr.URN = ""
	}
	a, ok := p.registry.Lookup(userType, path.Attr.URN, path.Attr.Name, "")
	if !ok {
		return target{}, invalid(field, "policy: %s %q: no such User attribute", field, s)
	}
	sub := path.Attr.Sub
	if path.Filter != nil {
		if !a.MultiValued || a.Type != schema.Complex {
			return target{}, invalid(field, "policy: %s %q: a [filter] applies to multi-valued complex attributes only", field, s)
		}
		sub = path.Sub
	}
	if a.Type == schema.Complex {
		if sub == "" {
			return target{}, invalid(field, "policy: %s %q: name a sub-attribute of %s, such as %s.value", field, s, a.Name, a.Name)
		}
		if a, ok = p.registry.Lookup(userType, path.Attr.URN, path.Attr.Name, sub); !ok {
			return target{}, invalid(field, "policy: %s %q: %s has no sub-attribute %q", field, s, path.Attr.Name, sub)
		}
	}
	if a.Mutability == "readOnly" {
		return target{}, invalid(field, "policy: %s %q: the attribute is read-only: the IdP never writes it", field, s)
	}
	return target{text: s, path: path, caseExact: a.CaseExact}, nil
}

// compileGuard validates the deprovisioning guard d: off alone, or a window
// with max or percent (not both).
func compileGuard(d *Guard) (roster.DeprovisionGuard, error) {
	const field = "deprovisionGuard"
	if d == nil {
		return DefaultGuard, nil
	}
	if d.Off {
		if d.Max != nil || d.Percent != nil || d.Window != "" {
			return roster.DeprovisionGuard{}, invalid(field+".off", "policy: %s: \"off\": true takes no max, percent or window", field)
		}
		return roster.DeprovisionGuard{}, nil
	}
	var g roster.DeprovisionGuard
	switch {
	case d.Max != nil && d.Percent != nil:
		return g, invalid(field, "policy: %s: set max or percent, not both", field)
	case d.Max != nil:
		if *d.Max < 1 || *d.Max > MaxGuardMax {
			return g, invalid(field+".max", "policy: %s.max %d: want 1 to %d deactivations and deletes per window", field, *d.Max, MaxGuardMax)
		}
		g.Max = *d.Max
	case d.Percent != nil:
		if *d.Percent < 1 || *d.Percent > 100 {
			return g, invalid(field+".percent", "policy: %s.percent %d: want 1 to 100 (percent of the tenant's users)", field, *d.Percent)
		}
		g.Percent = *d.Percent
	default:
		return g, invalid(field, "policy: %s: set max (a number of users) or percent (of the tenant's users) with a window, or \"off\": true", field)
	}
	if d.Window == "" {
		return g, invalid(field+".window", "policy: %s.window: the window is required, such as \"1h\"", field)
	}
	w, err := time.ParseDuration(d.Window)
	if err != nil {
		return g, invalid(field+".window", "policy: %s.window %q: not a duration such as \"1h\" or \"30m\"", field, d.Window)
	}
	if w < MinGuardWindow || w > MaxGuardWindow {
		return g, invalid(field+".window", "policy: %s.window %q: want %s to %s", field, d.Window, "1m", "24h")
	}
	g.Window = w
	return g, nil
}
