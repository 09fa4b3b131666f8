package patch

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
)

// decodeValue decodes an operation's raw value. Numbers stay json.Number so
// that large integers survive. Plain strings, the common case, skip the decoder.
func decodeValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 && bytes.IndexByte(raw[1:n-1], '"') < 0 && isPlain(raw[1:n-1]) {
		return string(raw[1 : n-1]), nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, &json.SyntaxError{Offset: d.InputOffset()}
	}
	return v, nil
}

// isPlain reports whether s holds no control characters and only valid
// ASCII, so that it decodes to itself.
func isPlain(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}

// coerce converts v to a value of the simple type of info, accepting Entra's
// "True"/"False" strings for booleans (any case). Values of attributes that
// Options.Attr does not know, or that take any value, pass unchanged. JSON
// null passes: it unassigns.
func (a *applier) coerce(name string, info attrInfo, v any) (any, error) {
	if v == nil || info.any {
		return v, nil
	}
	if info.typ == filter.Boolean {
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			if strings.EqualFold(b, "true") {
				return true, nil
			}
			if strings.EqualFold(b, "false") {
				return false, nil
			}
		}
		return nil, errorf(invalidValue, a.op, "%s must be a boolean", quote(name))
	}
	if !info.known {
		return v, nil
	}
	switch info.typ {
	case filter.Integer, filter.Decimal:
		if isNumber(v) {
			return v, nil
		}
		return nil, errorf(invalidValue, a.op, "%s must be a number", quote(name))
	case filter.Complex:
		return nil, errorf(invalidValue, a.op, "%s is complex and needs an object", quote(name))
	}
	if _, ok := v.(string); !ok {
		return nil, errorf(invalidValue, a.op, "%s must be a string", quote(name))
	}
	return v, nil
}

// object converts v to the value of the complex attribute of t: an object
// whose sub-attributes are coerced to their types. Entra's forms are accepted:
// a string holding a JSON object, a plain string taken as {"value": s} when
// the attribute has a "value" sub-attribute (a manager given as its id), and a one-element array for a single-valued
// attribute ("manager": [{"value": "id"}]).
func (a *applier) object(t *target, v any) (map[string]any, error) {
	switch x := v.(type) {
	case map[string]any:
		return a.subAttrs(t, x)
	case string:
		s := strings.TrimSpace(x)
		if !strings.HasPrefix(s, "{") {
			if _, ok := a.attr(t.urn, t.name, "value"); t.info.known && !ok {
				return nil, errorf(invalidValue, a.op, "%s is complex and needs an object", quote(t.name))
			}
			return map[string]any{"value": x}, nil
		}
		inner, err := decodeValue(json.RawMessage(s))
		m, ok := inner.(map[string]any)
		if err != nil || !ok {
			return nil, errorf(invalidValue, a.op, "%s holds a string that is not a JSON object", quote(t.name))
		}
		return a.subAttrs(t, m)
	case []any:
		if len(x) == 1 && !t.info.multi {
			return a.object(t, x[0])
		}
	}
	return nil, errorf(invalidValue, a.op, "%s is complex and needs an object", quote(t.name))
}

// subAttrs coerces the sub-attributes of object m in place.
func (a *applier) subAttrs(t *target, m map[string]any) (map[string]any, error) {
	for k, e := range m {
		info := a.subInfo(t, k)
		if !info.known && e != nil {
			if _, isScalar := e.(string); !isScalar && !isNumber(e) {
				if _, isBool := e.(bool); !isBool {
					return nil, errorf(invalidValue, a.op, "%s.%s must be a simple value", quote(t.name), k)
				}
			}
		}
		c, err := a.coerce(t.name+"."+k, info, e)
		if err != nil {
			return nil, err
		}
		m[k] = c
	}
	return m, nil
}

// elements converts v to the values of the multi-valued attribute of t: an
// array, or a single value taken as an array of one. Nulls are dropped. A
// string holding a JSON array is decoded, as Entra sends for roles.
func (a *applier) elements(t *target, v any) ([]any, error) {
	if s, ok := v.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "[") {
		inner, err := decodeValue(json.RawMessage(s))
		if arr, isArray := inner.([]any); err == nil && isArray {
			v = arr
		}
	}
	arr, ok := v.([]any)
	if !ok {
		arr = []any{v}
	}
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		if e == nil {
			continue
		}
		c, err := a.element(t, e)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// element converts one value of the multi-valued attribute of t.
func (a *applier) element(t *target, e any) (any, error) {
	if t.info.complex() {
		obj, err := a.object(t, e)
		for k, v := range obj {
			if v == nil {
				delete(obj, k) // unassigned (RFC 7643 §2.5), so "$ref": null adds nothing
			}
		}
		return obj, err
	}
	if _, isObject := e.(map[string]any); isObject && !t.info.known {
		return e, nil
	}
	if _, isArray := e.([]any); isArray {
		return nil, errorf(invalidValue, a.op, "%s cannot hold nested arrays", quote(t.name))
	}
	return a.coerce(t.name, t.info, e)
}
