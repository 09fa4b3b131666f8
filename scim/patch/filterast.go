package patch

import (
	"encoding/json"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
)

// eqTerm is one "attr eq value" comparison of a value filter.
type eqTerm struct {
	name  string
	value any
}

// eqTerms returns the comparisons of f when f is one or more "attr eq value"
// on plain sub-attribute names joined by "and"; ok is false otherwise.
func eqTerms(f filter.Expr) (terms []eqTerm, ok bool) {
	switch e := f.(type) {
	case *filter.Compare:
		if e.Op != filter.Eq || e.Attr.URN != "" || e.Attr.Sub != "" {
			return nil, false
		}
		return []eqTerm{{name: e.Attr.Name, value: literal(e.Value)}}, true
	case *filter.Logical:
		if e.Op != filter.And {
			return nil, false
		}
		left, ok := eqTerms(e.Left)
		if !ok {
			return nil, false
		}
		right, ok := eqTerms(e.Right)
		if !ok {
			return nil, false
		}
		return append(left, right...), true
	}
	return nil, false
}

// eqValues returns the strings v of f when f is one or more `value eq "v"`
// joined by "or" (members[value eq "id1" or value eq "id2"]); ok is false
// otherwise.
func eqValues(f filter.Expr) (ids []string, ok bool) {
	switch e := f.(type) {
	case *filter.Compare:
		if e.Op != filter.Eq || e.Value.Kind != filter.KindString || e.Attr.URN != "" || e.Attr.Sub != "" || !strings.EqualFold(e.Attr.Name, "value") {
			return nil, false
		}
		return []string{e.Value.Text}, true
	case *filter.Logical:
		if e.Op != filter.Or {
			return nil, false
		}
		left, ok := eqValues(e.Left)
		if !ok {
			return nil, false
		}
		right, ok := eqValues(e.Right)
		if !ok {
			return nil, false
		}
		return append(left, right...), true
	}
	return nil, false
}

// literal returns a filter literal as a decoded JSON value.
func literal(v filter.Value) any {
	switch v.Kind {
	case filter.KindString:
		return v.Text
	case filter.KindNumber:
		return json.Number(v.Text)
	case filter.KindBool:
		return v.Bool
	}
	return nil
}
