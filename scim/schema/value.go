package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster/scim/filter"
)

// path is the path of the attribute being normalised, kept as its parts
// and turned into text only for an error: "emails[0].primary",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
// Complex attributes cannot nest (RFC 7643 §2.3.8), so three parts suffice;
// a path is a value so that walking a document allocates nothing.
type path struct {
	urn   string // the extension URN of an extension attribute
	name  string // the attribute
	index int    // the element of a multi-valued attribute, or -1
	sub   string // the sub-attribute
}

func attrPath(urn, name string) path { return path{urn: urn, name: name, index: -1} }

func (p path) elem(i int) path { p.index = i; return p }

func (p path) child(name string) path { p.sub = name; return p }

func (p path) String() string {
	s := p.name
	if p.urn != "" {
		s = p.urn + ":" + s
	}
	if p.index >= 0 {
		s += "[" + strconv.Itoa(p.index) + "]"
	}
	if p.sub != "" {
		s += "." + p.sub
	}
	return s
}

// typeError says that the value got of attribute a (nil for an attribute of
// an open extension) at p is not what a takes. It quotes got unless a is
// never returned: a password's value is never echoed.
func typeError(p path, a *Attribute, want string, got any) error {
	s := p.String()
	return &Error{ScimType: invalidValue, Attr: s, Detail: s + ": expected " + want + ", got " + describeOf(a, got)}
}

// describeOf is describe for a value of attribute a, which names only the
// kind of value (a number, a string) when a is never returned.
func describeOf(a *Attribute, v any) string {
	if a == nil || a.Returned != returnedNever {
		return describe(v)
	}
	return kind(v)
}

// kind names the kind of a JSON value, never the value itself.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return "a number"
}

// attribute normalises value v of attribute a; prior is the prior value, for
// immutability. It reports whether the attribute has a value afterwards.
func (n *normalizer) attribute(p path, custom bool, a *Attribute, v, prior any) (any, bool, error) {
	if v == nil || a.Mutability == readOnly {
		return nil, false, nil
	}
	var out any
	var ok bool
	var err error
	if a.MultiValued {
		out, ok, err = n.multi(p, custom, a, v)
	} else {
		out, ok, err = n.single(p, custom, a, v, prior)
	}
	if err != nil || !ok {
		return nil, false, err
	}
	if a.Mutability == immutable && prior != nil && !sameValue(a, out, prior) {
		s := p.String()
		return nil, false, &Error{ScimType: mutability, Attr: s, Detail: s + ": immutable attribute cannot be changed"}
	}
	if a.Mutability == writeOnly {
		return nil, false, nil
	}
	return out, true, nil
}

// multi normalises the values of multi-valued attribute a: a single value is
// wrapped in an array, null elements are dropped, and at most one element may
// be primary (RFC 7643 §2.4).
func (n *normalizer) multi(p path, custom bool, a *Attribute, v any) (any, bool, error) {
	in, isArray := v.([]any)
	if !isArray {
		in = []any{v}
	}
	out := make([]any, 0, len(in))
	primaries := 0
	for i, el := range in {
		if el == nil {
			continue
		}
		x, ok, err := n.single(p.elem(i), custom, a, el, nil)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if m, isMap := x.(map[string]any); isMap && m["primary"] == true {
			primaries++
		}
		out = append(out, x)
	}
	if primaries > 1 {
		s := p.String()
		return nil, false, &Error{ScimType: invalidValue, Attr: s, Detail: s + ": more than one value has primary true"}
	}
	return out, len(out) > 0, nil
}

// single normalises one value of attribute a. A string given for a
// single-valued complex attribute with a "value" sub-attribute is that value:
// the enterprise manager as a plain id becomes {"value": id}.
func (n *normalizer) single(p path, custom bool, a *Attribute, v, prior any) (any, bool, error) {
	switch a.Type {
	case String, Reference, Binary:
		s, ok := v.(string)
		if !ok {
			return nil, false, typeError(p, a, "a string", v)
		}
		if custom && len(a.CanonicalValues) > 0 {
			return canonical(p, a, s)
		}
		return v, true, nil // v, not s: boxing s again would allocate
	case Boolean:
		b, ok := toBool(v)
		if !ok {
			return nil, false, typeError(p, a, "a boolean", v)
		}
		return b, true, nil
	case Integer:
		i, ok := toInt64(v)
		if !ok {
			return nil, false, typeError(p, a, "an integer", v)
		}
		return i, true, nil
	case Decimal:
		if !isNumber(v) {
			return nil, false, typeError(p, a, "a decimal number", v)
		}
		return v, true, nil
	case DateTime:
		s, ok := v.(string)
		if !ok || !isDateTime(s) {
			return nil, false, typeError(p, a, "a dateTime such as \"2008-01-23T04:56:22Z\"", v)
		}
		return v, true, nil
	case Complex:
		m, ok := v.(map[string]any)
		if id, isString := v.(string); isString && !a.MultiValued && subIndex(a, "value") >= 0 {
			// Entra ID sends the enterprise manager as its id
			// ("manager": "123456"), as it does in PATCH.
			m, ok = map[string]any{"value": id}, true
		}
		if !ok {
			return nil, false, typeError(p, a, "an object", v)
		}
		pm, _ := prior.(map[string]any)
		out, err := n.complex(p, custom, a, m, pm)
		return out, err == nil && len(out) > 0, err
	}
	return nil, false, fmt.Errorf("schema: attribute %s has unknown type %q", p, a.Type)
}

// canonical matches s against the canonical values of a and returns the
// canonical spelling.
func canonical(p path, a *Attribute, s string) (any, bool, error) {
	for _, c := range a.CanonicalValues {
		if c == s || !a.CaseExact && strings.EqualFold(c, s) {
			return c, true, nil
		}
	}
	quoted := make([]string, len(a.CanonicalValues))
	for i, c := range a.CanonicalValues {
		quoted[i] = strconv.Quote(c)
	}
	ps := p.String()
	return nil, false, &Error{ScimType: invalidValue, Attr: ps,
		Detail: ps + ": expected one of " + strings.Join(quoted, ", ") + ", got " + describeOf(a, s)}
}

// complex normalises the object m of complex attribute a; prior is the prior
// object, for immutability of sub-attributes.
func (n *normalizer) complex(p path, custom bool, a *Attribute, m, prior map[string]any) (map[string]any, error) {
	var buf [8]slot
	var slots []slot
	if len(a.SubAttributes) <= len(buf) {
		slots = buf[:len(a.SubAttributes)]
	} else {
		slots = make([]slot, len(a.SubAttributes))
	}
	out := make(map[string]any, len(m))
	var unknown []string
	for k, v := range m {
		i := subIndex(a, k)
		if i < 0 {
			if v == nil {
				continue
			}
			switch n.o.Unknown {
			case Keep:
				out[k] = deepCopy(v)
			case Drop:
			default:
				unknown = append(unknown, k)
			}
			continue
		}
		if slots[i].set {
			s := p.child(a.SubAttributes[i].Name).String()
			return nil, &Error{ScimType: invalidSyntax, Attr: s, Detail: s + ": attribute given more than once"}
		}
		slots[i] = slot{v: v, set: true}
	}
	if len(unknown) > 0 {
		s := p.child(slices.Min(unknown)).String()
		return nil, &Error{ScimType: invalidSyntax, Attr: s, Detail: s + ": unknown attribute"}
	}
	for i, s := range a.SubAttributes {
		sp := p.child(s.Name)
		v, ok, err := n.attribute(sp, custom, s, slots[i].v, lookupFold(prior, s.Name))
		if err != nil {
			return nil, err
		}
		if ok && !(s.Required && v == "") {
			out[s.Name] = v
			continue
		}
		if s.Required {
			ps := sp.String()
			return nil, &Error{ScimType: invalidValue, Attr: ps, Detail: ps + " is required"}
		}
	}
	return out, nil
}

func subIndex(a *Attribute, name string) int {
	for i, s := range a.SubAttributes {
		if s.Name == name {
			return i
		}
	}
	for i, s := range a.SubAttributes {
		if equalFold(s.Name, name) {
			return i
		}
	}
	return -1
}

// lookupFold returns the value of key k in m, matched exactly first and then
// case-insensitively; nil if m is nil or has no such key.
func lookupFold(m map[string]any, k string) any {
	if m == nil {
		return nil
	}
	if v, ok := m[k]; ok {
		return v
	}
	for mk, v := range m {
		if equalFold(mk, k) {
			return v
		}
	}
	return nil
}

// toBool accepts a JSON boolean or, as Entra ID sends them, the strings
// "True" and "False" in any case.
func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch {
		case equalFold(x, "true"):
			return true, true
		case equalFold(x, "false"):
			return false, true
		}
	}
	return false, false
}

// toInt64 accepts a number with an integral value that fits in int64.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return 0, false
		}
		return floatToInt64(f)
	case float64:
		return floatToInt64(x)
	}
	return 0, false
}

func floatToInt64(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false // also rejects NaN and the infinities
	}
	return int64(f), true
}

func isNumber(v any) bool {
	switch x := v.(type) {
	case int, int32, int64:
		return true
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && isJSONNumber(string(x))
	}
	return false
}

// isJSONNumber reports whether s has the syntax of a JSON number (RFC 8259
// §6), which ParseFloat alone does not check ("0x1p3", "Inf", "1_000").
func isJSONNumber(s string) bool {
	return json.Valid([]byte(s)) && s != "" && (s[0] == '-' || isDigit(s[0]))
}

// isDateTime reports whether s is an xsd:dateTime (RFC 7643 §2.3.5): RFC 3339
// with a time zone, or the same without one, that filters compare alike on
// both stores (see filter.ParseDateTime): year 0001 to 9999, offset within
// ±14:59.
func isDateTime(s string) bool {
	if _, err := filter.ParseDateTime(s); err == nil {
		return true
	}
	t, err := time.Parse("2006-01-02T15:04:05", s)
	return err == nil && t.Year() >= 1
}

// describe renders a JSON value for an error message.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 64 {
			cut := 64
			for cut > 0 && !utf8.RuneStart(x[cut]) {
				cut--
			}
			return strconv.Quote(x[:cut]) + "..."
		}
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		if len(x) > 64 {
			return string(x[:64]) + "..."
		}
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}

// deepCopy copies the maps and slices of a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// sameValue reports whether normalised value x of attribute a equals the
// stored value y, comparing strings as a's caseExact says.
func sameValue(a *Attribute, x, y any) bool {
	if !a.MultiValued {
		return sameSingle(a, x, y)
	}
	xs, _ := x.([]any)
	ys, ok := y.([]any)
	if !ok {
		ys = []any{y}
	}
	return slices.EqualFunc(xs, ys, func(x, y any) bool { return sameSingle(a, x, y) })
}

func sameSingle(a *Attribute, x, y any) bool {
	switch a.Type {
	case Boolean:
		xb, ok1 := toBool(x)
		yb, ok2 := toBool(y)
		return ok1 && ok2 && xb == yb
	case Integer, Decimal:
		return toFloat(x) == toFloat(y) && isNumber(y)
	case Complex:
		xm, _ := x.(map[string]any)
		ym, _ := y.(map[string]any)
		for _, s := range a.SubAttributes {
			xv, yv := lookupFold(xm, s.Name), lookupFold(ym, s.Name)
			if s.Mutability == readOnly || s.Mutability == writeOnly || xv == nil && yv == nil {
				continue
			}
			if xv == nil || yv == nil || !sameValue(s, xv, yv) {
				return false
			}
		}
		return true
	}
	xs, ok1 := x.(string)
	ys, ok2 := y.(string)
	if !ok1 || !ok2 {
		return false
	}
	return xs == ys || !a.CaseExact && strings.EqualFold(xs, ys)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	}
	return math.NaN()
}
