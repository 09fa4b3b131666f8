package schema

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// This file holds what the registry does for open extensions (Schema.Open),
// whose keys are free and whose values are strings.

// openNote ends the description of every open schema, since RFC 7643 has no
// characteristic that says a schema accepts any attribute.
const openNote = "Free-form: any attribute name is accepted, and every value is stored as a string " +
	"(a number, boolean, object or array as its JSON text; null removes the attribute)."

// openDescription returns the description of an open schema: d followed by
// openNote.
func openDescription(d string) string {
	d = strings.TrimSpace(d)
	switch {
	case d == "":
		return openNote
	case strings.Contains(d, openNote):
		return d // a schema copied from a registry already says it
	case strings.HasSuffix(d, "."):
		return d + " " + openNote
	}
	return d + ". " + openNote
}

// openAttribute describes the key name of an open extension.
func openAttribute(name string) *Attribute {
	return &Attribute{
		Name: name, Type: String, Description: "A free-form attribute.",
		Mutability: readWrite, Returned: returnedDefault, Uniqueness: uniqueNone,
	}
}

// openKeys holds the keys given for one open extension, spelled as given.
type openKeys struct {
	vals   map[string]any
	folded map[string]string // ASCII-lower-cased key → key as given
}

// setOpen records value v of key of the open extension e, the j-th extension
// of the resource type. A key given twice, in any spelling, is invalidSyntax,
// as for any attribute; so is an empty key, which no path can name.
func (g *gathered) setOpen(j int, e *entry, key string, v any) {
	if key == "" {
		p := e.s.ID + ":"
		g.problem(invalidSyntax, p, p+": empty attribute name")
		return
	}
	o := g.open[j]
	if o == nil {
		o = &openKeys{vals: make(map[string]any), folded: make(map[string]string)}
		g.open[j] = o
	}
	f := foldASCII(key)
	if other, dup := o.folded[f]; dup {
		p := e.s.ID + ":" + min(other, key) // the same spelling whichever came first
		g.problem(invalidSyntax, p, p+": attribute given more than once")
		return
	}
	o.folded[f] = key
	o.vals[key] = v
}

// openAttributes puts the values gathered for the open extension e into out
// as strings. A key that equals a key of prior, the stored extension object,
// in another case takes prior's spelling, so a client cannot fork a key by
// changing its case. Null values are unassigned and left out.
func openAttributes(out map[string]any, e *entry, o *openKeys, prior map[string]any) error {
	if o == nil {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(o.vals)) {
		v := o.vals[k]
		if v == nil {
			continue
		}
		s, ok := openValue(v)
		if !ok {
			return typeError(attrPath(e.s.ID, k), nil, "a JSON value", v)
		}
		out[priorSpelling(prior, k)] = s
	}
	return nil
}

// openValue returns the string an open extension stores for v: a string as
// itself, any other JSON value as its compact JSON text, as encoding/json
// writes it without HTML escaping (numbers decoded as json.Number keep the
// text they were sent as). It fails for values JSON cannot hold, such as NaN.
func openValue(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

// priorSpelling returns the key of prior equal to k in any case, or k.
func priorSpelling(prior map[string]any, k string) string {
	if _, ok := prior[k]; ok || prior == nil {
		return k
	}
	for pk := range prior {
		if equalFold(pk, k) {
			return pk
		}
	}
	return k
}

// foldASCII returns s with ASCII letters in lower case, the folding equalFold
// compares under.
func foldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
