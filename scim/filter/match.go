package filter

import (
	"cmp"
	"encoding/json"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"
)

// Match reports whether the resource document doc satisfies e (RFC 7644 §3.4.2.2).
// doc is a resource as encoding/json decodes it: objects are map[string]any, arrays []any,
// numbers float64 or json.Number. Attribute names match in any case; a path whose URN is
// a core schema URN names a top-level attribute, any other URN names the extension object
// stored under that URN.
//
// Semantics:
//   - A comparison on a multi-valued attribute matches if any value matches; without a
//     sub-attribute, the elements' "value" sub-attribute is compared.
//   - Strings compare case-insensitively unless the Resolver says caseExact; gt, ge, lt
//     and le on strings are lexical.
//   - DateTime attributes (per the Resolver) compare as RFC 3339 instants; numbers
//     numerically; booleans are lenient: JSON true equals the literal true and the strings
//     "True"/"true", and a stored string "True" equals the literal true. gt, ge, lt and le
//     never match a boolean.
//   - pr matches a value that is present and not null, "", [] or {}. "eq null" matches an
//     absent value and "ne null" a present one.
//   - ne matches an absent attribute, and otherwise when any value differs.
func Match(e Expr, doc map[string]any, r Resolver) bool {
	switch e := e.(type) {
	case *Logical:
		if e.Op == And {
			return Match(e.Left, doc, r) && Match(e.Right, doc, r)
		}
		return Match(e.Left, doc, r) || Match(e.Right, doc, r)
	case *Not:
		return !Match(e.X, doc, r)
	case *Compare:
		v, _ := attrValue(doc, e.Attr)
		return matchCompare(e, v, e.Attr.Sub, attrInfo(r, e.Attr))
	case *ValuePath:
		v, _ := attrValue(doc, e.Attr)
		f := e.Elements()
		if arr, ok := v.([]any); ok {
			for _, elem := range arr {
				if MatchValue(e.Attr, f, elem, r) {
					return true
				}
			}
			return false
		}
		return v != nil && MatchValue(e.Attr, f, v, r)
	}
	return false
}

// MatchValue evaluates f, the filter inside a value path, against one element of the
// multi-valued attribute parent: attribute names in f are sub-attributes of parent. If
// elem is not an object (multi-valued strings such as Entra's "folders"), the
// sub-attribute "value" denotes the element itself. Semantics are those of Match.
func MatchValue(parent AttrPath, f Expr, elem any, r Resolver) bool {
	switch f := f.(type) {
	case *Logical:
		if f.Op == And {
			return MatchValue(parent, f.Left, elem, r) && MatchValue(parent, f.Right, elem, r)
		}
		return MatchValue(parent, f.Left, elem, r) || MatchValue(parent, f.Right, elem, r)
	case *Not:
		return !MatchValue(parent, f.X, elem, r)
	case *Compare:
		var v any
		if m, ok := elem.(map[string]any); ok {
			v, _ = lookup(m, f.Attr.Name)
		} else if strings.EqualFold(f.Attr.Name, "value") {
			v = elem
		}
		sub := AttrPath{URN: parent.URN, Name: parent.Name, Sub: f.Attr.Name}
		return matchCompare(f, v, f.Attr.Sub, attrInfo(r, sub))
	}
	return false
}

// attrValue returns the value of p's attribute (not its sub-attribute) in doc.
func attrValue(doc map[string]any, p AttrPath) (any, bool) {
	base := doc
	if p.URN != "" && !isCoreURN(p.URN) {
		ext, _ := lookup(doc, p.URN)
		m, ok := ext.(map[string]any)
		if !ok {
			return nil, false
		}
		base = m
	}
	return lookup(base, p.Name)
}

// attrInfo describes the values compared for p: for a complex attribute without
// sub-attribute, those of its "value" sub-attribute.
func attrInfo(r Resolver, p AttrPath) Attr {
	a, ok := r.attr(p)
	if !ok {
		return Attr{}
	}
	if a.Type == Complex && p.Sub == "" {
		p.Sub = "value"
		if a, ok = r.attr(p); !ok {
			return Attr{}
		}
	}
	return a
}

// matchCompare applies c to v, the value of c's attribute; sub, if set, selects a
// sub-attribute of v (or of each of its elements).
func matchCompare(c *Compare, v any, sub string, a Attr) bool {
	if c.Op == Pr || c.Value.Kind == KindNull {
		present := false
		for x := range subValues(v, sub) {
			if isPresent(x) {
				present = true
				break
			}
		}
		switch c.Op {
		case Pr, Ne:
			return present
		case Eq:
			return !present
		}
		return false
	}
	if c.Op == Ne {
		seen := false
		for x := range leaves(v, sub) {
			seen = true
			if !compareValue(x, Eq, c.Value, a) {
				return true
			}
		}
		return !seen
	}
	for x := range leaves(v, sub) {
		if compareValue(x, c.Op, c.Value, a) {
			return true
		}
	}
	return false
}

// subValues yields v itself, or with sub set, the sub-attribute of v or of each object
// element of v.
func subValues(v any, sub string) iter.Seq[any] {
	return func(yield func(any) bool) {
		if sub == "" {
			yield(v)
			return
		}
		switch v := v.(type) {
		case map[string]any:
			x, _ := lookup(v, sub)
			yield(x)
		case []any:
			for _, elem := range v {
				if m, ok := elem.(map[string]any); ok {
					x, _ := lookup(m, sub)
					if !yield(x) {
						return
					}
				}
			}
		}
	}
}

// leaves yields the non-null simple values to compare: each of subValues, with arrays
// expanded into their elements and objects replaced by their "value".
func leaves(v any, sub string) iter.Seq[any] {
	return func(yield func(any) bool) {
		for x := range subValues(v, sub) {
			if arr, ok := x.([]any); ok {
				for _, elem := range arr {
					if y := simple(elem); y != nil && !yield(y) {
						return
					}
				}
				continue
			}
			if y := simple(x); y != nil && !yield(y) {
				return
			}
		}
	}
}

// simple returns x, the "value" of an object x, or nil for anything else that cannot be compared.
func simple(x any) any {
	switch x := x.(type) {
	case map[string]any:
		y, _ := lookup(x, "value")
		if _, ok := y.(map[string]any); ok {
			return nil
		}
		if _, ok := y.([]any); ok {
			return nil
		}
		return y
	case []any:
		return nil
	}
	return x
}

// isPresent reports whether x has a value: not null, "", [] or {}.
func isPresent(x any) bool {
	switch x := x.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// compareValue applies op to the stored simple value x and the literal lit.
func compareValue(x any, op Op, lit Value, a Attr) bool {
	switch lit.Kind {
	case KindBool:
		b, ok := asBool(x)
		return ok && op == Eq && b == lit.Bool
	case KindNumber:
		return compareNumber(x, op, lit.Text)
	}
	switch x := x.(type) {
	case string:
		if a.Type == Boolean {
			return compareBool(x, op, lit.Text)
		}
		if a.Type == DateTime {
			return compareTime(x, op, lit.Text)
		}
		return compareString(x, op, lit.Text, a.CaseExact)
	case bool:
		return compareBool(x, op, lit.Text)
	}
	return false
}

// compareBool compares a stored boolean (or boolean-like string) with a string literal
// such as Entra's "True".
func compareBool(x any, op Op, lit string) bool {
	b, ok := asBool(x)
	l, lok := asBool(lit)
	return ok && lok && op == Eq && b == l
}

func asBool(x any) (bool, bool) {
	switch x := x.(type) {
	case bool:
		return x, true
	case string:
		switch {
		case strings.EqualFold(x, "true"):
			return true, true
		case strings.EqualFold(x, "false"):
			return false, true
		}
	}
	return false, false
}

func compareString(x string, op Op, lit string, caseExact bool) bool {
	if !caseExact {
		if op == Eq {
			return strings.EqualFold(x, lit)
		}
		x, lit = strings.ToLower(x), strings.ToLower(lit)
	}
	switch op {
	case Eq:
		return x == lit
	case Co:
		return strings.Contains(x, lit)
	case Sw:
		return strings.HasPrefix(x, lit)
	case Ew:
		return strings.HasSuffix(x, lit)
	}
	return ordered(strings.Compare(x, lit), op)
}

// ordered reports whether a comparison result c (-1, 0, +1) satisfies op.
func ordered(c int, op Op) bool {
	switch op {
	case Eq:
		return c == 0
	case Gt:
		return c > 0
	case Ge:
		return c >= 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	}
	return false
}

func compareTime(x string, op Op, lit string) bool {
	if op == Co || op == Sw || op == Ew {
		return compareString(x, op, lit, false)
	}
	t, err := time.Parse(time.RFC3339Nano, x)
	if err != nil {
		return false
	}
	l, err := time.Parse(time.RFC3339Nano, lit)
	if err != nil {
		return false
	}
	return ordered(t.Compare(l), op)
}

// compareNumber compares a stored number with a number literal: exactly when both are
// integers, as float64 otherwise.
func compareNumber(x any, op Op, lit string) bool {
	var text string
	var f float64
	switch x := x.(type) {
	case float64:
		f = x
	case json.Number:
		text = string(x)
	case int:
		text = strconv.Itoa(x)
	case int64:
		text = strconv.FormatInt(x, 10)
	default:
		return false
	}
	if text != "" {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			if j, err := strconv.ParseInt(lit, 10, 64); err == nil {
				return ordered(cmp.Compare(i, j), op)
			}
		}
		var err error
		if f, err = strconv.ParseFloat(text, 64); err != nil {
			return false
		}
	}
	l, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsNaN(f) {
		return false
	}
	switch {
	case f < l:
		return ordered(-1, op)
	case f > l:
		return ordered(1, op)
	}
	return ordered(0, op)
}
