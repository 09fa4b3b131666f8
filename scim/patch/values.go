package patch

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
)

// ValueChangeKind says how a ValueChange alters a multi-valued attribute.
type ValueChangeKind int

const (
	// AddValues adds the values that are not present yet.
	AddValues ValueChangeKind = iota + 1
	// RemoveValues removes the values; absent ones are no error.
	RemoveValues
	// ReplaceValues sets the whole list to the values (empty: no values).
	ReplaceValues
	// RemoveAllValues removes every value.
	RemoveAllValues
)

func (k ValueChangeKind) String() string {
	switch k {
	case AddValues:
		return "add"
	case RemoveValues:
		return "remove"
	case ReplaceValues:
		return "replace"
	case RemoveAllValues:
		return "remove all"
	}
	return "ValueChangeKind(?)"
}

// ValueChange is one change to the "value" sub-attributes of a multi-valued
// attribute such as a group's members: the ids, in request order.
type ValueChange struct {
	Kind   ValueChangeKind
	Values []string
}

// ExtractValues removes from ops every operation that targets the
// multi-valued attribute attr (such as "members", also when prefixed with a
// core schema URN) and returns them, in order, as changes of its "value"
// sub-attribute, so that a group's member list never has to be loaded. rest
// holds the other operations, in order, for Apply.
//
// It understands add, remove and replace with path attr and a value that is
// an array, or a single object, of {"value": "id", "$ref": …, "display": …};
// remove with path attr[value eq "id"] (several terms joined by or, too);
// remove of attr without value (all values); and add or replace without path
// whose object holds attr, which is split out while the rest of the object
// stays an operation. Any other filter on attr is an *Error invalidFilter, a
// sub-attribute path invalidPath, a value without string ids invalidValue;
// the Op of the error indexes ops.
func ExtractValues(ops []Operation, attr string) (rest []Operation, changes []ValueChange, err error) {
	rest = make([]Operation, 0, len(ops))
	for i, o := range ops {
		op := strings.ToLower(o.Op)
		if o.Path == "" {
			r, ch, err := extractFromObject(op, o, attr, i)
			if err != nil {
				return nil, nil, err
			}
			if ch != nil {
				changes = append(changes, *ch)
			}
			if r != nil {
				rest = append(rest, *r)
			}
			continue
		}
		p, err := parsePath(o.Path, i)
		if err != nil {
			return nil, nil, err
		}
		if !targets(p.Attr, attr) {
			rest = append(rest, o)
			continue
		}
		ch, err := extractChange(op, p, o.Value, i)
		if err != nil {
			return nil, nil, err
		}
		changes = append(changes, ch)
	}
	return rest, changes, nil
}

// targets reports whether path p names attribute attr at the top level.
func targets(p filter.AttrPath, attr string) bool {
	return (p.URN == "" || hasPrefixFold(p.URN, coreURNPrefix)) && strings.EqualFold(p.Name, attr)
}

// extractChange turns operation i with path p on the attribute into a change.
func extractChange(op string, p filter.Path, value json.RawMessage, i int) (ValueChange, error) {
	if p.Attr.Sub != "" || p.Sub != "" {
		return ValueChange{}, errorf(invalidPath, i, "%s: only whole values can change", p.Attr.Name)
	}
	hasValue := len(bytes.TrimSpace(value)) > 0 && !bytes.Equal(bytes.TrimSpace(value), []byte("null"))
	if p.Filter != nil {
		ids, ok := eqValues(p.Filter)
		if !ok || op != "remove" {
			return ValueChange{}, errorf(invalidFilter, i, "%s: only remove with value eq filters is supported", p.Attr.Name)
		}
		return ValueChange{Kind: RemoveValues, Values: ids}, nil
	}
	switch op {
	case "remove":
		if !hasValue {
			return ValueChange{Kind: RemoveAllValues}, nil
		}
		ids, err := refIDs(value, i)
		return ValueChange{Kind: RemoveValues, Values: ids}, err
	case "add", "replace":
		if !hasValue && op == "add" {
			return ValueChange{}, errorf(invalidSyntax, i, "add requires a value")
		}
		ids, err := refIDs(value, i)
		kind := AddValues
		if op == "replace" {
			kind = ReplaceValues
		}
		return ValueChange{Kind: kind, Values: ids}, err
	}
	return ValueChange{}, errorf(invalidSyntax, i, "unknown op %q: want add, remove or replace", op)
}

// ref is one value of a reference attribute; $ref, display and type are
// ignored.
type ref struct {
	Value *string `json:"value"`
}

// refIDs decodes the ids of an array (or single object) of references.
// null and [] give none.
func refIDs(value json.RawMessage, i int) ([]string, error) {
	value = bytes.TrimSpace(value)
	if len(value) == 0 || bytes.Equal(value, []byte("null")) {
		return []string{}, nil
	}
	var refs []ref
	var err error
	if value[0] == '{' {
		refs = make([]ref, 1)
		err = json.Unmarshal(value, &refs[0])
	} else {
		err = json.Unmarshal(value, &refs)
	}
	if err != nil {
		return nil, &Error{ScimType: invalidValue, Op: i, Detail: "values must be objects with a string \"value\": " + err.Error(), err: err}
	}
	ids := make([]string, len(refs))
	for j, r := range refs {
		if r.Value == nil {
			return nil, errorf(invalidValue, i, "value %d has no \"value\"", j)
		}
		ids[j] = *r.Value
	}
	return ids, nil
}

// extractFromObject splits attr out of the object of an add or replace
// without path. It returns the operation left (nil if nothing is) and the
// change (nil if the object does not hold attr).
func extractFromObject(op string, o Operation, attr string, i int) (*Operation, *ValueChange, error) {
	if op != "add" && op != "replace" {
		return &o, nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(o.Value, &obj); err != nil {
		return &o, nil, nil // not an object: Apply reports it
	}
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if p, err := filter.ParsePath(k); err == nil && p.Filter == nil && p.Attr.Sub == "" && targets(p.Attr, attr) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return &o, nil, nil
	}
	var ch ValueChange
	for _, k := range keys {
		c, err := extractChange(op, filter.Path{Attr: filter.AttrPath{Name: attr}}, obj[k], i)
		if err != nil {
			return nil, nil, err
		}
		ch.Kind = c.Kind
		ch.Values = append(ch.Values, c.Values...)
		delete(obj, k)
	}
	if len(obj) == 0 {
		return nil, &ch, nil
	}
	rest, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, &Error{ScimType: invalidValue, Op: i, Detail: err.Error(), err: err}
	}
	return &Operation{Op: o.Op, Value: rest}, &ch, nil
}
