package schema

import (
	"cmp"
	"fmt"
	"slices"
)

// Mode says which request produced the document given to Normalize.
type Mode int

const (
	// Create is a POST body; there is no prior document.
	Create Mode = iota
	// Replace is a PUT body replacing the prior document.
	Replace
	// Patched is the prior document after a PATCH was applied to it.
	Patched
)

// Unknown says what Normalize does with attributes the registry does not
// know: unknown core attributes, unknown attributes of a known extension, and
// attributes or schemas of an unregistered URN.
type Unknown int

const (
	// Reject fails with scimType invalidSyntax naming the first unknown
	// attribute path. Unknown URNs listed in "schemas" are dropped.
	Reject Unknown = iota
	// Keep keeps unknown attributes and schema URNs as given.
	Keep
	// Drop removes unknown attributes and schema URNs.
	Drop
)

// Options controls Normalize.
type Options struct {
	Mode    Mode
	Unknown Unknown
}

// Normalize validates a resource document of resourceType against the
// registry and returns its canonical form, a new document; doc and prior are
// not modified. prior is the stored document for Replace and Patched and is
// ignored for Create.
//
// The canonical form:
//   - names attributes, sub-attributes and extension URNs with their schema
//     spelling ("USERNAME" becomes "userName", RFC 7643 §2.1);
//   - holds extension attributes under their URN: a top-level key that is a
//     full attribute path such as
//     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
//     moves under the extension, as Entra ID sends custom attributes; a
//     core URN prefix means a core attribute;
//   - has "schemas" set to the core URN and the URNs of the extensions
//     present, in registry order (then, with Keep, unknown URNs as given);
//   - omits null values, empty arrays and complex values left empty, which
//     are unassigned (RFC 7643 §2.5);
//   - omits readOnly attributes (RFC 7644 §3.3: id, meta, groups,
//     manager.displayName): the server sets them;
//   - omits writeOnly attributes (password) once checked: the caller reads
//     them from its input;
//   - holds every key given under an open extension (Schema.Open), and every
//     top-level full path "URN:key" of one, under that extension's URN
//     whatever o.Unknown says: its value as a string if it is one, else as its
//     compact JSON text (a number as sent, true, {"a":1}); null removes the
//     key. A key keeps its spelling, unless prior holds it in another case,
//     whose spelling it then takes;
//   - holds booleans as bool (Entra ID's "True" and "False" become true and
//     false), integers as int64, decimals as given (float64 or json.Number),
//     dateTimes as the string given, and multi-valued attributes as []any
//     (a single value where an array is expected is wrapped in one);
//   - holds a single-valued complex attribute with a "value" sub-attribute
//     given as a string as {"value": s}: Entra ID sends the enterprise manager
//     as its id ("manager": "123456") in POST and PUT bodies as in PATCH.
//
// It fails with an *Error: invalidValue for a value of the wrong type, a
// missing or empty required attribute ("userName is required"), more than one
// primary value (RFC 7643 §2.4), a value outside the canonical values of an
// attribute added with WithExtension (canonical values of the default schemas
// are not enforced);
// invalidSyntax for an unknown attribute with Reject, or an attribute given
// twice under different spellings (an open extension's keys included, and an
// empty key under one); mutability for an immutable attribute
// whose new value differs from the one in prior. Immutability is checked for
// attributes and sub-attributes of single-valued complex attributes; elements
// of multi-valued attributes have no identity to compare. Errors are
// deterministic: schemas first, then unknown attributes in lexical order,
// then attributes in schema order. An unknown resource type is a plain error.
func (r *Registry) Normalize(resourceType string, doc, prior map[string]any, o Options) (map[string]any, error) {
	t := r.typeInfo(resourceType)
	if t == nil {
		return nil, fmt.Errorf("schema: normalize: unknown resource type %q", resourceType)
	}
	if o.Mode == Create {
		prior = nil
	}
	n := &normalizer{o: o}
	g := n.gather(t, doc)
	keptURNs, err := n.schemas(t, g.schemas)
	if err != nil {
		return nil, err
	}
	if err := g.firstProblem(); err != nil {
		return nil, err
	}

	out := make(map[string]any, len(doc)+1)
	for k, v := range g.kept {
		out[k] = v
	}
	if err := n.attributes(out, t.core, g.core, prior, false); err != nil {
		return nil, err
	}
	schemas := make([]any, 1, 1+len(t.exts)+len(keptURNs))
	schemas[0] = t.core.s.ID
	for j, e := range t.exts {
		eo := g.extKept[j]
		if eo == nil {
			eo = make(map[string]any)
		}
		pm, _ := lookupFold(prior, e.s.ID).(map[string]any)
		required := t.rt.Extensions[j].Required
		var err error
		if e.s.Open {
			err = openAttributes(eo, e, g.open[j], pm)
		} else {
			err = n.attributes(eo, e, g.exts[j], pm, !required)
		}
		if err != nil {
			return nil, err
		}
		if len(eo) == 0 {
			if required {
				return nil, &Error{ScimType: invalidValue, Attr: e.s.ID, Detail: e.s.ID + " is required"}
			}
			continue
		}
		out[e.s.ID] = eo
		schemas = append(schemas, e.s.ID)
	}
	out["schemas"] = append(schemas, keptURNs...)
	return out, nil
}

// normalizer carries the options of one Normalize call.
type normalizer struct {
	o Options
}

// slot holds the value given for one attribute.
type slot struct {
	v   any
	set bool
}

// gathered is a document sorted by attribute, before any value is checked.
type gathered struct {
	schemas  any
	core     []slot
	exts     [][]slot
	open     []*openKeys      // keys of each open extension
	kept     map[string]any   // unknown top-level keys kept
	extKept  []map[string]any // unknown keys of each extension kept
	unknown  []string         // unknown attribute paths, for Reject
	problems []*Error
}

// gather sorts the top-level keys of doc into attribute slots.
func (n *normalizer) gather(t *typeInfo, doc map[string]any) *gathered {
	g := &gathered{
		core:    make([]slot, len(t.core.attrs)),
		exts:    make([][]slot, len(t.exts)),
		open:    make([]*openKeys, len(t.exts)),
		extKept: make([]map[string]any, len(t.exts)),
	}
	for j, e := range t.exts {
		g.exts[j] = make([]slot, len(e.attrs))
	}
	schemasSeen := false
	for k, v := range doc {
		i := t.core.find(k)
		switch {
		case equalFold(k, "schemas"):
			if schemasSeen {
				g.problem(invalidSyntax, "schemas", "schemas: given more than once")
			}
			schemasSeen = true
			g.schemas = v
		case i >= 0:
			g.set(g.core, i, v, "", t.core.attrs[i].Name)
		case hasPrefixFold(k, "urn:"):
			n.gatherURN(t, g, k, v)
		default:
			n.unknownKey(g, g.keptMap(), k, k, v)
		}
	}
	return g
}

// gatherURN sorts a top-level key starting with "urn:": an extension object,
// or the full path of a core or extension attribute.
func (n *normalizer) gatherURN(t *typeInfo, g *gathered, k string, v any) {
	for j, e := range t.exts {
		if !equalFold(k, e.s.ID) {
			continue
		}
		if v == nil {
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			g.problem(invalidValue, e.s.ID, fmt.Sprintf("%s: expected an object, got %s", e.s.ID, describe(v)))
			return
		}
		for k2, v2 := range m {
			if e.s.Open {
				g.setOpen(j, e, k2, v2)
				continue
			}
			if i := e.find(k2); i >= 0 {
				g.set(g.exts[j], i, v2, e.s.ID, e.attrs[i].Name)
				continue
			}
			n.unknownKey(g, g.extKeptMap(j), k2, e.s.ID+":"+k2, v2) // only reached for unknown keys
		}
		return
	}
	j, e := t.prefix(k)
	if e == nil {
		n.unknownKey(g, g.keptMap(), k, k, v)
		return
	}
	name := k[len(e.s.ID)+1:]
	if e.s.Open {
		g.setOpen(j, e, name, v)
		return
	}
	i := e.find(name)
	switch {
	case i >= 0 && j < 0:
		g.set(g.core, i, v, "", e.attrs[i].Name)
	case i >= 0:
		g.set(g.exts[j], i, v, e.s.ID, e.attrs[i].Name)
	case j < 0:
		n.unknownKey(g, g.keptMap(), name, k, v)
	default:
		n.unknownKey(g, g.extKeptMap(j), name, k, v)
	}
}

// prefix returns the schema of t whose URN followed by ":" begins path (the
// longest if several do), with its index in t.exts, -1 for the core schema.
func (t *typeInfo) prefix(path string) (int, *entry) {
	best, bestJ := (*entry)(nil), -1
	if hasPrefixFold(path, t.core.s.ID+":") {
		best = t.core
	}
	for j, e := range t.exts {
		if hasPrefixFold(path, e.s.ID+":") && (best == nil || len(e.s.ID) > len(best.s.ID)) {
			best, bestJ = e, j
		}
	}
	return bestJ, best
}

// unknownKey applies the Unknown policy to key k (attribute path p) with
// value v, keeping it in kept.
func (n *normalizer) unknownKey(g *gathered, kept func() map[string]any, k, p string, v any) {
	if v == nil {
		return // unassigned: nothing to keep or reject
	}
	switch n.o.Unknown {
	case Keep:
		kept()[k] = deepCopy(v)
	case Drop:
	default:
		g.unknown = append(g.unknown, p)
	}
}

func (g *gathered) keptMap() func() map[string]any {
	return func() map[string]any {
		if g.kept == nil {
			g.kept = make(map[string]any)
		}
		return g.kept
	}
}

func (g *gathered) extKeptMap(j int) func() map[string]any {
	return func() map[string]any {
		if g.extKept[j] == nil {
			g.extKept[j] = make(map[string]any)
		}
		return g.extKept[j]
	}
}

// set stores the value v of attribute name of the schema urn ("" for the
// core schema).
func (g *gathered) set(slots []slot, i int, v any, urn, name string) {
	if slots[i].set {
		p := attrPath(urn, name).String()
		g.problem(invalidSyntax, p, p+": attribute given more than once")
		return
	}
	slots[i] = slot{v: v, set: true}
}

func (g *gathered) problem(scimType, attr, detail string) {
	g.problems = append(g.problems, &Error{ScimType: scimType, Attr: attr, Detail: detail})
}

// firstProblem returns the problem found while gathering with the smallest
// path, then the unknown attribute with the smallest path.
func (g *gathered) firstProblem() error {
	if len(g.problems) > 0 {
		return slices.MinFunc(g.problems, func(a, b *Error) int {
			if a.Attr != b.Attr {
				return cmp.Compare(a.Attr, b.Attr)
			}
			return cmp.Compare(a.Detail, b.Detail)
		})
	}
	if len(g.unknown) > 0 {
		p := slices.Min(g.unknown)
		return &Error{ScimType: invalidSyntax, Attr: p, Detail: p + ": unknown attribute"}
	}
	return nil
}

// schemas checks the "schemas" value and returns the unknown URNs it lists
// that Keep keeps.
func (n *normalizer) schemas(t *typeInfo, v any) ([]any, error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		list = []any{x}
	case []any:
		list = x
	default:
		return nil, &Error{ScimType: invalidValue, Attr: "schemas",
			Detail: "schemas: expected an array of URNs, got " + describe(v)}
	}
	var kept []any
	for _, u := range list {
		s, ok := u.(string)
		if !ok {
			return nil, &Error{ScimType: invalidValue, Attr: "schemas",
				Detail: "schemas: expected an array of URNs, got an element " + describe(u)}
		}
		if t.schemaEntry(s) != nil && s != "" {
			continue
		}
		switch n.o.Unknown {
		case Keep:
			if !slices.ContainsFunc(kept, func(k any) bool { return equalFold(k.(string), s) }) {
				kept = append(kept, s)
			}
		default:
			// Reject and Drop: a URN in "schemas" alone carries no data.
			// Entra ID lists its own ADSCIM URN on every group it creates,
			// so naming an unknown schema is not an error; attributes under
			// an unknown URN still are, with Reject.
		}
	}
	return kept, nil
}

// attributes normalises the gathered values of the attributes of schema e
// into out. prior is the prior object holding them (the document for a core
// schema). With optional set, required attributes are only checked when the
// schema ends up with a value (an extension the resource type does not
// require).
func (n *normalizer) attributes(out map[string]any, e *entry, slots []slot, prior map[string]any, optional bool) error {
	var missing *Attribute
	for i, a := range e.attrs {
		p := attrPath(e.urn(), a.Name)
		v, ok, err := n.attribute(p, e.custom, a, slots[i].v, lookupFold(prior, a.Name))
		if err != nil {
			return err
		}
		if ok && !(a.Required && v == "") {
			out[a.Name] = v
			continue
		}
		if a.Required && missing == nil {
			missing = a
		}
	}
	if missing == nil || optional && len(out) == 0 {
		return nil
	}
	p := attrPath(e.urn(), missing.Name)
	return &Error{ScimType: invalidValue, Attr: p.String(), Detail: p.String() + " is required"}
}

// urn returns the URN that prefixes the paths of e's attributes in messages:
// none for a core schema.
func (e *entry) urn() string {
	if e.core {
		return ""
	}
	return e.s.ID
}
