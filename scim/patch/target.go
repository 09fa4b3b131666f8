package patch

import (
	"slices"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
)

// Mutability values of RFC 7643 §7.
const (
	readOnly  = "readOnly"
	immutable = "immutable"
)

// coreURNPrefix starts every core schema URN; a path prefixed with one names a
// top-level attribute.
const coreURNPrefix = "urn:ietf:params:scim:schemas:core:2.0:"

// enterpriseURN is the enterprise User extension of RFC 7643 §4.3.
const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// attrInfo is what Apply knows of an attribute: from Options.Attr when known,
// otherwise inferred from the document and the value.
type attrInfo struct {
	known      bool
	typ        filter.Type
	multi      bool
	mutability string
	any        bool // any JSON value, set whole (Attribute.AnyValue)
}

func (i attrInfo) complex() bool { return i.typ == filter.Complex }

// target is the place a path names in the document.
type target struct {
	urn    string         // schema URN as written; "" for core attributes
	parent map[string]any // object holding the attribute: the document or an extension object; nil if absent
	name   string         // attribute name as written
	info   attrInfo
	filter filter.Expr // value filter, nil unless a value path
	sub    string      // sub-attribute, "" for the whole attribute
	schema bool        // the attribute is an extension schema's object
}

// path returns the attribute path of t for the filter evaluator.
func (t *target) path() filter.AttrPath { return filter.AttrPath{URN: t.urn, Name: t.name} }

// current returns the attribute's value in the document.
func (t *target) current() (any, bool) {
	if t.parent == nil {
		return nil, false
	}
	_, v, ok := lookup(t.parent, t.name)
	return v, ok
}

// isCore reports whether urn prefixes top-level attributes.
func (a *applier) isCore(urn string) bool {
	return urn == "" || strings.EqualFold(urn, a.opts.CoreURN) || hasPrefixFold(urn, coreURNPrefix)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isSchemaURN reports whether s names a schema rather than an attribute:
// Options.CoreURN, a URN listed in the document's schemas or holding an object
// in it, or a URN whose next to last segment is a version
// ("…:enterprise:2.0:User", "…:extension:2.0:CustomExtensionName").
func (a *applier) isSchemaURN(s string) bool {
	if len(s) < 4 || !strings.EqualFold(s[:4], "urn:") {
		return false
	}
	if strings.EqualFold(s, a.opts.CoreURN) {
		return true
	}
	if schemas, ok := a.doc["schemas"].([]any); ok && isListed(schemas, s) {
		return true
	}
	if _, v, ok := lookup(a.doc, s); ok {
		_, isObject := v.(map[string]any)
		return isObject
	}
	prefix := s[:strings.LastIndexByte(s, ':')]
	return isVersion(prefix[strings.LastIndexByte(prefix, ':')+1:])
}

// isVersion reports whether s looks like "2.0".
func isVersion(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// resolve finds the target of path p for operation op. For add and replace it
// creates a missing extension object; for remove a missing one leaves
// t.parent nil, which every remove treats as nothing to do.
func (a *applier) resolve(op string, p filter.Path, v any) (*target, error) {
	t := &target{urn: p.Attr.URN, name: p.Attr.Name, filter: p.Filter, sub: p.Sub}
	if p.Attr.Sub != "" {
		if p.Filter != nil {
			return nil, errorf(invalidPath, a.op, "a value filter cannot follow a sub-attribute")
		}
		t.sub = p.Attr.Sub
	}
	var err error
	switch {
	case a.isCore(t.urn):
		err = a.resolveCore(op, t)
	case a.isCore(t.urn + ":" + t.name):
		return nil, errorf(invalidPath, a.op, "a path cannot name the core schema itself")
	case a.isSchemaURN(t.urn + ":" + t.name):
		// The path is an extension schema URN: its object is the attribute.
		t.name, t.urn, t.parent, t.schema = t.urn+":"+t.name, "", a.doc, true
	default:
		t.parent, err = a.extension(t.urn, op != "remove")
		if err == nil {
			t.info, _ = a.attr(t.urn, t.name, "")
		}
	}
	if err != nil {
		return nil, err
	}
	if t.parent != nil && t.urn == "" {
		a.own(t.name)
	}
	if !t.info.known {
		t.info = a.infer(t, v)
	}
	return t, nil
}

// resolveCore resolves an attribute named without a schema URN, or with a
// core one: a core attribute, or one that only an extension knows.
func (a *applier) resolveCore(op string, t *target) error {
	t.urn, t.parent = "", a.doc
	var ok bool
	if t.info, ok = a.attr("", t.name, ""); ok {
		return nil
	}
	if t.info, ok = a.inExtension(t); !ok {
		return nil
	}
	var err error
	t.parent, err = a.extension(t.urn, op != "remove")
	return err
}

// inExtension finds the attribute of t, named without a schema URN and
// unknown in the core schema, in an extension listed in the document or the
// enterprise one, and sets t.urn to that extension. Entra sends
// "path":"manager" for the enterprise manager so. An extension that takes any
// name (AnyValue) is skipped: it would capture every unknown name.
func (a *applier) inExtension(t *target) (attrInfo, bool) {
	if a.opts.Attr == nil {
		return attrInfo{}, false
	}
	candidates := []any{enterpriseURN}
	if schemas, ok := a.doc["schemas"].([]any); ok {
		candidates = append(schemas[:len(schemas):len(schemas)], enterpriseURN)
	}
	for _, c := range candidates {
		urn, ok := c.(string)
		if !ok || a.isCore(urn) {
			continue
		}
		if info, ok := a.attr(urn, t.name, ""); ok && !info.any {
			t.urn = urn
			return info, true
		}
	}
	return attrInfo{}, false
}

// extension returns the object of extension urn, creating it (and listing urn
// in schemas) when create is set.
func (a *applier) extension(urn string, create bool) (map[string]any, error) {
	a.own(urn)
	_, v, ok := lookup(a.doc, urn)
	if ok {
		m, isObject := v.(map[string]any)
		if !isObject {
			return nil, errorf(invalidPath, a.op, "%s is not an extension object", quote(urn))
		}
		return m, nil
	}
	if !create {
		return nil, nil
	}
	m := map[string]any{}
	a.doc[urn] = m
	if schemas, ok := a.doc["schemas"].([]any); ok && !isListed(schemas, urn) {
		a.doc["schemas"] = append(slices.Clip(schemas), urn)
	}
	return m, nil
}

// isListed reports whether schemas holds urn in any case.
func isListed(schemas []any, urn string) bool {
	for _, e := range schemas {
		if e, ok := e.(string); ok && strings.EqualFold(e, urn) {
			return true
		}
	}
	return false
}

// infer describes an attribute that Options.Attr does not know: a
// single-valued string unless the document or the value show an array or an
// object; a value filter or a sub-attribute implies a complex one.
func (a *applier) infer(t *target, v any) attrInfo {
	i := attrInfo{typ: filter.String}
	if t.urn == "" && (strings.EqualFold(t.name, "id") || strings.EqualFold(t.name, "meta")) {
		i.mutability = readOnly
	}
	cur, _ := t.current()
	if t.filter != nil {
		i.multi = true
	}
	if t.filter != nil || t.sub != "" || isObjectish(cur) || t.sub == "" && isObjectish(v) {
		i.typ = filter.Complex
	}
	if _, ok := cur.([]any); ok {
		i.multi = true
	}
	if _, ok := v.([]any); ok && t.sub == "" && t.filter == nil {
		i.multi = true
	}
	return i
}

// isObjectish reports whether v is an object or an array holding one.
func isObjectish(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return true
	case []any:
		for _, e := range v {
			if _, ok := e.(map[string]any); ok {
				return true
			}
		}
	}
	return false
}

// attr asks Options.Attr about an attribute or sub-attribute.
func (a *applier) attr(urn, name, sub string) (attrInfo, bool) {
	if a.opts.Attr == nil {
		return attrInfo{}, false
	}
	at, ok := a.opts.Attr(filter.AttrPath{URN: urn, Name: name, Sub: sub})
	if !ok {
		return attrInfo{}, false
	}
	return attrInfo{known: true, typ: at.Type, multi: at.MultiValued, mutability: at.Mutability, any: at.AnyValue}, true
}

// subInfo describes sub-attribute sub of t's attribute.
func (a *applier) subInfo(t *target, sub string) attrInfo {
	if at, ok := a.attr(t.urn, t.name, sub); ok {
		return at
	}
	if strings.EqualFold(sub, "primary") {
		// RFC 7643 §2.4: primary is a boolean on every multi-valued attribute.
		return attrInfo{known: true, typ: filter.Boolean}
	}
	return attrInfo{typ: filter.String}
}
