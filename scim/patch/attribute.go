package patch

import (
	"slices"
	"strings"
)

// attribute applies op to a whole attribute (a path without filter or
// sub-attribute), RFC 7644 §3.5.2.1-3.
func (a *applier) attribute(op string, t *target, v any, hasValue bool) error {
	if op == "remove" {
		if hasValue && t.info.multi {
			return a.removeValues(t, v)
		}
		del(t.parent, t.name)
		return nil
	}
	if v == nil {
		if op == "replace" {
			del(t.parent, t.name) // null unassigns (RFC 7643 §2.5)
		}
		return nil
	}
	switch {
	case t.info.multi:
		vals, err := a.elements(t, v)
		if err != nil {
			return err
		}
		return a.addValues(op, t, vals)
	case t.info.complex():
		obj, err := a.object(t, v)
		if err != nil {
			return err
		}
		cur, _ := t.current()
		set(t.parent, t.name, merge(cur, obj))
		return nil
	}
	c, err := a.coerce(t.name, t.info, v)
	if err != nil {
		return err
	}
	set(t.parent, t.name, c)
	return nil
}

// merge puts the sub-attributes of obj into the complex value cur, leaving the
// others unchanged (RFC 7644 §3.5.2.1 and §3.5.2.3). When obj names a
// different "value" than cur, it is a new reference (a new manager) and
// replaces cur, so that no $ref or display of the old one survives.
func merge(cur any, obj map[string]any) map[string]any {
	old, ok := cur.(map[string]any)
	if !ok {
		return obj
	}
	_, ov, ok1 := lookup(old, "value")
	_, nv, ok2 := lookup(obj, "value")
	if ok1 && ok2 && !equal(ov, nv) {
		return obj
	}
	for k, e := range obj {
		if e == nil {
			del(old, k)
			continue
		}
		set(old, k, e)
	}
	return old
}

// addValues adds (op add) or sets (op replace) the values of a multi-valued
// attribute. Add skips values equal to one already present.
func (a *applier) addValues(op string, t *target, vals []any) error {
	cur, _ := t.current()
	arr, ok := cur.([]any)
	if !ok && cur != nil {
		arr = []any{cur} // a single value where the schema says many
	}
	if op == "replace" {
		arr = nil
	}
	arr = slices.Clip(arr) // appends must not write into a shared array
	first := len(arr)
	for _, v := range vals {
		if op == "add" && containsEqual(arr, v) {
			continue
		}
		arr = append(arr, v)
	}
	if len(arr) == 0 {
		del(t.parent, t.name)
		return nil
	}
	for i := len(arr) - 1; i >= first; i-- {
		if isPrimary(arr[i]) {
			fixPrimary(arr, i)
			break
		}
	}
	set(t.parent, t.name, arr)
	return nil
}

func containsEqual(arr []any, v any) bool {
	for _, e := range arr {
		if equal(e, v) {
			return true
		}
	}
	return false
}

// fixPrimary keeps primary=true on at most one element (RFC 7643 §2.4): the
// element at index keep, which the operation just wrote, keeps it and every
// other element loses it. keep < 0 changes nothing.
func fixPrimary(arr []any, keep int) {
	if keep < 0 {
		return
	}
	for i, e := range arr {
		if i != keep && isPrimary(e) {
			m := e.(map[string]any)
			k, _, _ := lookup(m, "primary")
			m[k] = false
		}
	}
}

// lastPrimary returns the last of the indices whose element is primary, or -1.
func lastPrimary(arr []any, indices []int) int {
	for j := len(indices) - 1; j >= 0; j-- {
		if isPrimary(arr[indices[j]]) {
			return indices[j]
		}
	}
	return -1
}

func isPrimary(e any) bool {
	m, ok := e.(map[string]any)
	if !ok {
		return false
	}
	_, p, _ := lookup(m, "primary")
	return p == true
}

// removeValues removes from a multi-valued attribute the given values: for
// complex values the elements whose "value" equals a given "value" (Entra
// removes group members so), for simple ones the equal elements.
func (a *applier) removeValues(t *target, v any) error {
	cur, ok := t.current()
	arr, isArray := cur.([]any)
	if !ok || !isArray {
		return nil
	}
	vals, err := a.elements(t, v)
	if err != nil {
		return err
	}
	kept := arr[:0:0]
	for _, e := range arr {
		if !matchesAny(e, vals) {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		del(t.parent, t.name)
		return nil
	}
	set(t.parent, t.name, kept)
	return nil
}

// matchesAny reports whether element e equals one of vals, comparing complex
// values by their "value" sub-attribute when the given value has one.
func matchesAny(e any, vals []any) bool {
	for _, v := range vals {
		vm, ok := v.(map[string]any)
		if !ok {
			if equal(e, v) {
				return true
			}
			continue
		}
		_, want, hasValue := lookup(vm, "value")
		em, isObject := e.(map[string]any)
		if !hasValue || !isObject {
			if equal(e, v) {
				return true
			}
			continue
		}
		if _, got, ok := lookup(em, "value"); ok && equal(got, want) {
			return true
		}
	}
	return false
}

// subAttr applies op to sub-attribute t.sub of a complex attribute without a
// value filter ("name.familyName"). On a multi-valued attribute it applies to
// every element, creating one for add and replace when there is none.
func (a *applier) subAttr(op string, t *target, v any) error {
	if t.info.any {
		return errorf(invalidPath, a.op, "%s has no sub-attributes", quote(t.name))
	}
	info := a.subInfo(t, t.sub)
	c, err := a.coerce(t.name+"."+t.sub, info, v)
	if err != nil {
		return err
	}
	if _, isObject := c.(map[string]any); isObject {
		return errorf(invalidValue, a.op, "%s.%s must be a simple value", quote(t.name), t.sub)
	}
	cur, _ := t.current()
	if arr, ok := cur.([]any); ok {
		return a.subAttrEach(op, t, arr, c)
	}
	obj, ok := cur.(map[string]any)
	if cur != nil && !ok {
		return errorf(invalidPath, a.op, "%s has no sub-attributes", quote(t.name))
	}
	if op == "remove" || c == nil {
		if ok {
			del(obj, t.sub)
			if len(obj) == 0 {
				del(t.parent, t.name)
			}
		}
		return nil
	}
	if !ok {
		obj = map[string]any{}
		set(t.parent, t.name, obj)
	}
	set(obj, t.sub, c)
	return nil
}

// subAttrEach sets or removes sub-attribute t.sub in every element of arr.
func (a *applier) subAttrEach(op string, t *target, arr []any, c any) error {
	if len(arr) == 0 && op != "remove" && c != nil {
		set(t.parent, t.name, []any{map[string]any{t.sub: c}})
		return nil
	}
	for _, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return errorf(invalidPath, a.op, "%s has no sub-attributes", quote(t.name))
		}
		if op == "remove" || c == nil {
			del(m, t.sub)
			continue
		}
		set(m, t.sub, c)
	}
	if op != "remove" && strings.EqualFold(t.sub, "primary") && c == true {
		fixPrimary(arr, len(arr)-1)
	}
	return nil
}
