package schema

import (
	"iter"
	"slices"
)

// Project returns the representation of the stored document doc of
// resourceType that a response carries (RFC 7644 §3.4.2.5, §3.9):
//   - attributes returned "never" (password) are removed;
//   - attributes returned "always" (id, schemas) are kept, even when excluded;
//   - with attributes named, only those are kept (with the "always" ones);
//     naming a sub-attribute keeps only that part of its parent, naming an
//     extension URN keeps the whole extension;
//   - otherwise the attributes returned by default are kept, less those in
//     excluded; attributes returned on "request" need to be named.
//
// Paths are "userName", "name.givenName", "emails", "emails.value", a full
// path such as "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
// or "urn:ietf:params:scim:schemas:core:2.0:User:userName", or a whole schema
// URN, matched case-insensitively; under an open extension (Schema.Open) any
// "URN:key" names that key. Paths the registry does not know are
// ignored; when attributes is given, excluded is ignored. Keys of doc the
// registry does not know are kept unless attributes is given. The result is a
// new map, but values that need no filtering are shared with doc, so callers
// must not modify either.
func (r *Registry) Project(resourceType string, doc map[string]any, attributes, excluded []string) map[string]any {
	t := r.typeInfo(resourceType)
	if t == nil || doc == nil {
		return nil
	}
	pr := projector{}
	if len(attributes) > 0 {
		pr.include = true
		pr.sel = t.selection(attributes)
	} else if len(excluded) > 0 {
		pr.sel = t.selection(excluded)
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if equalFold(k, "schemas") {
			out[k] = v
			continue
		}
		if i := t.core.find(k); i >= 0 {
			a := t.core.attrs[i]
			if x, ok := pr.attribute(t.core, a, v); ok {
				out[a.Name] = x
			}
			continue
		}
		if e := t.schemaEntry(k); e != nil && e != t.core {
			if x, ok := pr.extension(e, v); ok {
				out[e.s.ID] = x
			}
			continue
		}
		if !pr.include {
			out[k] = v
		}
	}
	return out
}

// Unchanged reports whether Project, with neither attributes nor excluded,
// returns the member key of a document of resourceType under the same key
// with the same value, whatever the value. keys yields the keys of the value
// when it is an object, and is nil when it is not: an extension's object is
// unchanged when it has a key and each of its keys is unknown to the schema
// or its attribute's own name, returned by default. It is what lets a
// document stored as Project would return it be written out as it is.
func (r *Registry) Unchanged(resourceType, key string, keys iter.Seq[string]) bool {
	t := r.typeInfo(resourceType)
	if t == nil {
		return false
	}
	if equalFold(key, "schemas") {
		return true
	}
	if i := t.core.find(key); i >= 0 {
		a := t.core.attrs[i]
		return a.Name == key && a.returnedAsIs()
	}
	e := t.schemaEntry(key)
	if e == nil || e == t.core {
		return true
	}
	if e.s.ID != key {
		return false
	}
	if keys == nil {
		return true
	}
	n := 0
	for k := range keys {
		n++
		if e.s.Open {
			continue
		}
		if i := e.find(k); i >= 0 && (e.attrs[i].Name != k || !e.attrs[i].returnedAsIs()) {
			return false
		}
	}
	return n > 0
}

// returnedAsIs reports whether Project without a selection returns a value of
// a as it is: a is returned by default and, if complex, has no sub-attribute
// that is not.
func (a *Attribute) returnedAsIs() bool {
	return a.Returned != returnedNever && a.Returned != returnedRequest && (a.Type != Complex || !a.hasHidden())
}

// selection is a resolved list of attribute paths.
type selection struct {
	schemas map[*entry]bool     // whole schemas named by URN
	attrs   map[*Attribute]bool // attributes and sub-attributes named
	partial map[*Attribute]bool // attributes with a sub-attribute named
	keys    map[*entry][]string // keys of open extensions named
}

// named reports whether key k of the open extension e is named, in any case.
func (s *selection) named(e *entry, k string) bool {
	return s.schemas[e] || slices.ContainsFunc(s.keys[e], func(n string) bool { return equalFold(n, k) })
}

func (t *typeInfo) selection(paths []string) *selection {
	s := &selection{
		schemas: make(map[*entry]bool),
		attrs:   make(map[*Attribute]bool),
		partial: make(map[*Attribute]bool),
		keys:    make(map[*entry][]string),
	}
	for _, p := range paths {
		e, a, sub := t.resolve(p)
		switch {
		case e == nil:
		case a == nil:
			s.schemas[e] = true
		case e.s.Open:
			s.keys[e] = append(s.keys[e], a.Name)
		case sub == nil:
			s.attrs[a] = true
		default:
			s.attrs[sub] = true
			s.partial[a] = true
		}
	}
	return s
}

// resolve resolves an attribute path (RFC 7644 §3.10) against t:
//
//	attrPath = [URI ":"] ATTRNAME *1subAttr
//	subAttr  = "." ATTRNAME
//
// A path that is a schema URN of t alone resolves to that schema with a nil
// attribute; a key of an open extension resolves to an attribute named as
// written (a key holding "." cannot be named). A path t does not know
// resolves to a nil schema.
func (t *typeInfo) resolve(p string) (e *entry, a, sub *Attribute) {
	rest := p
	e = t.core
	if hasPrefixFold(p, "urn:") {
		if e = t.schemaEntry(p); e != nil {
			return e, nil, nil
		}
		if _, e = t.prefix(p); e == nil {
			return nil, nil, nil
		}
		rest = p[len(e.s.ID)+1:]
	}
	name, subName := rest, ""
	for i := 0; i < len(rest); i++ {
		if rest[i] == '.' {
			name, subName = rest[:i], rest[i+1:]
			break
		}
	}
	if e.s.Open {
		if name == "" || subName != "" {
			return nil, nil, nil
		}
		return e, openAttribute(name), nil
	}
	i := e.find(name)
	if i < 0 {
		return nil, nil, nil
	}
	a = e.attrs[i]
	if subName == "" {
		return e, a, nil
	}
	if sub = a.sub(subName); sub == nil {
		return nil, nil, nil
	}
	return e, a, sub
}

// projector applies one selection to a document.
type projector struct {
	include bool       // sel lists the attributes to return, not to exclude
	sel     *selection // nil: neither list given
}

// extension projects the object v of extension e.
func (pr projector) extension(e *entry, v any) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, !pr.include
	}
	out := make(map[string]any, len(m))
	if e.s.Open {
		for k, x := range m {
			if pr.openKey(e, k) {
				out[k] = x
			}
		}
		return out, len(out) > 0
	}
	for k, x := range m {
		i := e.find(k)
		if i < 0 {
			if !pr.include {
				out[k] = x
			}
			continue
		}
		a := e.attrs[i]
		if y, ok := pr.attribute(e, a, x); ok {
			out[a.Name] = y
		}
	}
	return out, len(out) > 0
}

// openKey reports whether key k of the open extension e is returned: every
// key is returned by default (RFC 7643 §2.2).
func (pr projector) openKey(e *entry, k string) bool {
	if pr.sel == nil {
		return true
	}
	return pr.sel.named(e, k) == pr.include
}

// attribute projects the value v of attribute a of schema e.
func (pr projector) attribute(e *entry, a *Attribute, v any) (any, bool) {
	switch a.Returned {
	case returnedNever:
		return nil, false
	case returnedAlways:
		return v, true
	}
	sel := pr.sel
	if pr.include {
		switch {
		case sel.schemas[e] || sel.attrs[a]:
			return pr.subAttributes(a, v, nil)
		case sel.partial[a]:
			return pr.subAttributes(a, v, sel.attrs)
		}
		return nil, false
	}
	if a.Returned == returnedRequest {
		return nil, false
	}
	if sel == nil {
		return pr.subAttributes(a, v, nil)
	}
	if sel.schemas[e] || sel.attrs[a] {
		return nil, false
	}
	if sel.partial[a] {
		return pr.subAttributes(a, v, sel.attrs)
	}
	return pr.subAttributes(a, v, nil)
}

// subAttributes filters the sub-attributes of the value v of complex
// attribute a: "never" ones go, and so do "request" ones unless returned
// attributes are being named. With named set, only named sub-attributes are
// kept when including, and named ones are removed when excluding; "always"
// ones stay. It reports whether anything is left.
func (pr projector) subAttributes(a *Attribute, v any, named map[*Attribute]bool) (any, bool) {
	if a.Type != Complex || named == nil && !a.hasHidden() {
		return v, true
	}
	if !a.MultiValued {
		m, ok := v.(map[string]any)
		if !ok {
			return v, true
		}
		out := pr.object(a, m, named)
		return out, len(out) > 0
	}
	vs, ok := v.([]any)
	if !ok {
		return v, true
	}
	out := make([]any, 0, len(vs))
	for _, el := range vs {
		m, ok := el.(map[string]any)
		if !ok {
			out = append(out, el)
			continue
		}
		if o := pr.object(a, m, named); len(o) > 0 {
			out = append(out, o)
		}
	}
	return out, len(out) > 0
}

func (pr projector) object(a *Attribute, m map[string]any, named map[*Attribute]bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, x := range m {
		s := a.sub(k)
		if s == nil {
			if named == nil || !pr.include {
				out[k] = x
			}
			continue
		}
		if pr.keepSub(s, named) {
			out[s.Name] = x
		}
	}
	return out
}

func (pr projector) keepSub(s *Attribute, named map[*Attribute]bool) bool {
	switch s.Returned {
	case returnedNever:
		return false
	case returnedAlways:
		return true
	}
	if named == nil {
		return s.Returned != returnedRequest || pr.include
	}
	if pr.include {
		return named[s]
	}
	return !named[s] && s.Returned != returnedRequest
}

// hasHidden reports whether a has a sub-attribute returned only on request
// or never, which a projection must filter out.
func (a *Attribute) hasHidden() bool {
	for _, s := range a.SubAttributes {
		if s.Returned == returnedNever || s.Returned == returnedRequest {
			return true
		}
	}
	return false
}
