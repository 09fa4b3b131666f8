package patch

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
)

// lookup finds key in m as SCIM names are compared: exactly first, then
// case-insensitively (RFC 7643 §2.1). It returns the key as spelled in m.
func lookup(m map[string]any, key string) (string, any, bool) {
	if v, ok := m[key]; ok {
		return key, v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return k, v, true
		}
	}
	return key, nil, false
}

// set stores v under key, keeping the spelling of an existing key.
func set(m map[string]any, key string, v any) {
	k, _, _ := lookup(m, key)
	m[k] = v
}

// del removes key, spelled in any case.
func del(m map[string]any, key string) {
	if k, _, ok := lookup(m, key); ok {
		delete(m, k)
	}
}

// deepCopy copies the objects and arrays of a document decoded by encoding/json.
// Scalars are immutable and shared.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// equal reports whether two decoded JSON values are the same value. Numbers
// compare by value whether float64 or json.Number; strings compare exactly.
func equal(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case string:
		b, ok := b.(string)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case nil:
		return b == nil
	}
	x, ok1 := number(a)
	y, ok2 := number(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// number returns the value of a float64 or json.Number.
func number(v any) (*big.Float, bool) {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) {
			return nil, false
		}
		return big.NewFloat(v), true
	case json.Number:
		f, _, err := big.ParseFloat(string(v), 10, 64, big.ToNearestEven)
		return f, err == nil
	}
	return nil, false
}

// isNumber reports whether v is a decoded JSON number.
func isNumber(v any) bool {
	switch v.(type) {
	case float64, json.Number:
		return true
	}
	return false
}
