package patch

import (
	"github.com/rosterhq/roster/scim/filter"
)

// valuePath applies op to the elements of a multi-valued attribute that the
// value filter of t selects, or to their sub-attribute t.sub
// ("emails[type eq \"work\"].value"), RFC 7644 §3.5.2.2-3. Add behaves as
// replace, since Entra sends add with value paths too.
//
// When no element matches an add or replace and the filter is one or more
// "attr eq value" joined by "and", a new element is made of those attributes
// and the value: Entra sets emails[type eq "work"].value on users who have no
// work email yet. RFC 7644 §3.5.2.3 would answer noTarget, and does here for
// any other filter.
func (a *applier) valuePath(op string, t *target, v any) error {
	if t.info.known && !t.info.multi {
		return errorf(invalidPath, a.op, "%s is single-valued and cannot take a value filter", quote(t.name))
	}
	cur, _ := t.current()
	arr, ok := cur.([]any)
	if cur != nil && !ok {
		return errorf(invalidPath, a.op, "%s is not multi-valued", quote(t.name))
	}
	var matched []int
	for i, e := range arr {
		if filter.MatchValue(t.path(), t.filter, e, a.resolver) {
			matched = append(matched, i)
		}
	}
	if op == "remove" || v == nil {
		return a.removeMatched(t, arr, matched)
	}
	if len(matched) == 0 {
		return a.addMatching(t, arr, v)
	}
	if t.sub != "" {
		return a.setSubOf(t, arr, matched, v)
	}
	nv, err := a.element(t, v)
	if err != nil {
		return err
	}
	for _, i := range matched {
		old, isObject := arr[i].(map[string]any)
		obj, isNewObject := nv.(map[string]any)
		if isObject && isNewObject {
			arr[i] = merge(old, deepCopy(obj).(map[string]any))
			continue
		}
		arr[i] = deepCopy(nv)
	}
	fixPrimary(arr, lastPrimary(arr, matched))
	return nil
}

// setSubOf sets sub-attribute t.sub of the matched elements of arr to v.
func (a *applier) setSubOf(t *target, arr []any, matched []int, v any) error {
	c, err := a.coerce(t.name+"."+t.sub, a.subInfo(t, t.sub), v)
	if err != nil {
		return err
	}
	if !isSimple(c) {
		return errorf(invalidValue, a.op, "%s.%s must be a simple value", quote(t.name), t.sub)
	}
	for _, i := range matched {
		m, ok := arr[i].(map[string]any)
		if !ok {
			return errorf(invalidPath, a.op, "%s has no sub-attributes", quote(t.name))
		}
		set(m, t.sub, c)
	}
	fixPrimary(arr, lastPrimary(arr, matched))
	return nil
}

// removeMatched removes the matched elements of arr, or their sub-attribute
// t.sub. An attribute left without values is unassigned (RFC 7644 §3.5.2.2).
func (a *applier) removeMatched(t *target, arr []any, matched []int) error {
	if len(matched) == 0 {
		return nil
	}
	if t.sub != "" {
		for _, i := range matched {
			if m, ok := arr[i].(map[string]any); ok {
				del(m, t.sub)
			}
		}
		return nil
	}
	kept := make([]any, 0, len(arr)-len(matched))
	next := 0
	for i, e := range arr {
		if next < len(matched) && matched[next] == i {
			next++
			continue
		}
		kept = append(kept, e)
	}
	if len(kept) == 0 {
		del(t.parent, t.name)
		return nil
	}
	set(t.parent, t.name, kept)
	return nil
}

// addMatching appends an element made of the equality terms of t's filter and
// the value, or fails with noTarget when the filter is not such a conjunction.
func (a *applier) addMatching(t *target, arr []any, v any) error {
	terms, ok := eqTerms(t.filter)
	if !ok || !t.info.complex() {
		return errorf(noTarget, a.op, "no value of %s matches the filter", quote(t.name))
	}
	elem := make(map[string]any, len(terms)+1)
	for _, term := range terms {
		c, err := a.coerce(t.name+"."+term.name, a.subInfo(t, term.name), term.value)
		if err != nil {
			return err
		}
		set(elem, term.name, c)
	}
	if t.sub != "" {
		c, err := a.coerce(t.name+"."+t.sub, a.subInfo(t, t.sub), v)
		if err != nil {
			return err
		}
		if !isSimple(c) {
			return errorf(invalidValue, a.op, "%s.%s must be a simple value", quote(t.name), t.sub)
		}
		set(elem, t.sub, c)
	} else {
		obj, err := a.object(t, v)
		if err != nil {
			return err
		}
		for k, e := range obj {
			set(elem, k, e)
		}
	}
	arr = append(arr[:len(arr):len(arr)], elem)
	fixPrimary(arr, lastPrimary(arr, []int{len(arr) - 1}))
	set(t.parent, t.name, arr)
	return nil
}

// isSimple reports whether v is neither an object nor an array.
func isSimple(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}
