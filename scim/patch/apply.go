package patch

import (
	"maps"
	"slices"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
)

// Attribute describes an attribute or sub-attribute for Apply, as the schema
// registry defines it (RFC 7643 §7). Mutability is "readOnly", "readWrite",
// "immutable" or "writeOnly"; empty means readWrite.
type Attribute struct {
	Type        filter.Type
	MultiValued bool
	CaseExact   bool
	Mutability  string
	// AnyValue marks an attribute whose value may be any JSON value, set and
	// removed whole: never coerced, merged or appended to, and without
	// sub-attributes or value filters (invalidPath). The keys of an open
	// schema extension are such attributes; the schema registry then stores
	// each value as a string. Apply never resolves a path without a schema
	// URN to such an attribute.
	AnyValue bool
}

// Options configures Apply.
type Options struct {
	// Attr describes the attribute at p: p.URN is the schema URN as written in
	// the path ("" for core attributes) and p.Sub is set for a sub-attribute.
	// ok=false means unknown: Apply then treats the attribute as a single-valued
	// string unless the document or the value hold an array or an object. A nil
	// Attr knows nothing.
	Attr func(p filter.AttrPath) (Attribute, bool)
	// CoreURN is the core schema of the resource, such as
	// "urn:ietf:params:scim:schemas:core:2.0:User". Paths prefixed with it, or
	// with any other core schema URN, name top-level attributes.
	CoreURN string
}

// applier applies the operations of one request to its copy of the document.
type applier struct {
	opts     Options
	doc      map[string]any
	op       int // index of the operation being applied, for errors
	resolver filter.Resolver
	owned    []string // top-level keys whose values are copies, not the caller's
}

// own makes the value of top-level key a copy that operations may change.
// doc starts as a shallow copy of the caller's document, so that only the
// attributes a request touches are copied.
func (a *applier) own(key string) {
	k, v, ok := lookup(a.doc, key)
	if !ok || slices.Contains(a.owned, k) {
		return
	}
	a.doc[k] = deepCopy(v)
	a.owned = append(a.owned, k)
}

// Apply applies ops in order to a deep copy of doc and returns the copy, as
// RFC 7644 §3.5.2 describes, with the forms Microsoft Entra ID sends (see the
// package documentation). doc is never modified. Apply is atomic: on any error
// it returns a nil document and an *Error naming the failing operation, with
// ScimType invalidPath, invalidFilter, noTarget, invalidValue, mutability or
// invalidSyntax.
//
// Values put into the document are decoded with json.Number for numbers; the
// document may hold float64 or json.Number, and both compare by value.
func Apply(doc map[string]any, ops []Operation, opts Options) (map[string]any, error) {
	a := &applier{opts: opts, doc: make(map[string]any, len(doc)+2)}
	maps.Copy(a.doc, doc)
	if opts.Attr != nil {
		a.resolver = func(p filter.AttrPath) (filter.Attr, bool) {
			at, ok := opts.Attr(p)
			return filter.Attr{Type: at.Type, MultiValued: at.MultiValued, CaseExact: at.CaseExact}, ok
		}
	}
	for i, op := range ops {
		a.op = i
		if err := a.apply(op); err != nil {
			return nil, err
		}
	}
	return a.doc, nil
}

// apply applies one operation.
func (a *applier) apply(o Operation) error {
	op := strings.ToLower(o.Op)
	if op != "add" && op != "replace" && op != "remove" {
		return errorf(invalidSyntax, a.op, "unknown op %q: want add, remove or replace", o.Op)
	}
	var v any
	hasValue := len(o.Value) > 0
	if hasValue {
		var err error
		if v, err = decodeValue(o.Value); err != nil {
			return &Error{ScimType: invalidSyntax, Op: a.op, Detail: "value is not JSON: " + err.Error(), err: err}
		}
	}
	if o.Path == "" {
		if op == "remove" {
			return errorf(noTarget, a.op, "remove requires a path")
		}
		if !hasValue {
			return errorf(invalidSyntax, a.op, "%s requires a value", op)
		}
		return a.applyObject(op, v, true)
	}
	p, err := parsePath(o.Path, a.op)
	if err != nil {
		return err
	}
	if op != "remove" && !hasValue {
		return errorf(invalidSyntax, a.op, "%s requires a value", op)
	}
	return a.applyPath(op, p, v, hasValue)
}

// applyObject applies an add or replace without a path: each key of the
// object v is an attribute name or a full path ("name.givenName",
// "emails[type eq \"work\"].value", "urn:…:enterprise:2.0:User:department")
// applied as its own path, in sorted order. A schema URN key holding an object
// applies each of its keys under that schema; core reaches top-level
// attributes. top is false inside such an object.
func (a *applier) applyObject(op string, v any, top bool) error {
	m, ok := v.(map[string]any)
	if !ok {
		return errorf(invalidValue, a.op, "%s without a path needs an object value", op)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		val := m[k]
		if sub, isObject := val.(map[string]any); isObject && top && a.isSchemaURN(k) {
			if err := a.applySchema(op, k, sub); err != nil {
				return err
			}
			continue
		}
		p, err := parsePath(k, a.op)
		if err != nil {
			return err
		}
		if err := a.applyPath(op, p, val, true); err != nil {
			return err
		}
	}
	return nil
}

// applySchema applies the keys of object m under schema urn.
func (a *applier) applySchema(op, urn string, m map[string]any) error {
	if a.isCore(urn) {
		return a.applyObject(op, m, false)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p, err := parsePath(urn+":"+k, a.op)
		if err != nil {
			return err
		}
		if err := a.applyPath(op, p, m[k], true); err != nil {
			return err
		}
	}
	if _, err := a.extension(urn, op != "remove"); err != nil {
		return err
	}
	return nil
}

// applyPath applies an operation to the target of path p, refusing changes
// that the attribute's mutability forbids (RFC 7643 §7, RFC 7644 §3.5.2).
func (a *applier) applyPath(op string, p filter.Path, v any, hasValue bool) error {
	t, err := a.resolve(op, p, v)
	if err != nil {
		return err
	}
	if op == "remove" && t.parent == nil {
		return nil // the extension is absent: nothing to remove
	}
	mut := t.info.mutability
	if t.sub != "" {
		if sm := a.subInfo(t, t.sub).mutability; sm == readOnly || sm == immutable && mut != readOnly {
			mut = sm
		}
	}
	if mut != readOnly && mut != immutable {
		return a.dispatch(op, t, v, hasValue)
	}
	before, existed := t.current()
	before = deepCopy(before)
	if err := a.dispatch(op, t, v, hasValue); err != nil {
		return err
	}
	after, _ := t.current()
	if equal(before, after) || mut == immutable && (!existed || before == nil) {
		return nil
	}
	return errorf(mutability, a.op, "%s is %s", quote(p.Attr.Name), mut)
}

// dispatch applies op to t by the shape of the path.
func (a *applier) dispatch(op string, t *target, v any, hasValue bool) error {
	switch {
	case t.filter != nil:
		return a.valuePath(op, t, v)
	case t.sub != "":
		return a.subAttr(op, t, v)
	case t.schema && op != "remove":
		m, ok := v.(map[string]any)
		if !ok {
			return errorf(invalidValue, a.op, "%s needs an object value", quote(t.name))
		}
		return a.applySchema(op, t.name, m)
	}
	return a.attribute(op, t, v, hasValue)
}
