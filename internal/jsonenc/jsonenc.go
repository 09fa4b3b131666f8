// Package jsonenc appends JSON values to byte slices and decodes JSON texts
// by hand, for the hot paths where encoding/json's reflection costs more than
// the work itself. Both give exactly what encoding/json gives.
package jsonenc

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendString appends s as encoding/json writes a string by default:
// quotes, backslashes and control characters escaped (\b, \f, \n, \r and
// \t in short form), <, >, &, U+2028 and U+2029 as \u escapes, and invalid
// UTF-8 as U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0 // s[start:i] needs no escaping and is not yet appended
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = appendEscapedByte(append(b, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hex = "0123456789abcdef"

// appendEscapedByte appends the escape encoding/json writes for an ASCII
// control character or one of " \ < > &.
func appendEscapedByte(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}

// maxDepth is how many maps and slices AppendValue nests before it hands the
// rest of the tree to json.Marshal. A map or slice that contains itself then
// fails with encoding/json's cycle error instead of overflowing the stack.
const maxDepth = 1000

// AppendValue appends v as json.Marshal would encode it, byte for byte, with
// encoding/json's defaults: <, > and & escaped and map keys sorted.
//
// The value trees the SCIM server renders are written without reflection:
// map[string]any, []any, []map[string]any, []string, string, bool, nil,
// json.Number, float64, int and int64, nested in any combination. A value of
// any other type, named types included, is encoded by json.Marshal and its
// output appended, so the result is the same for every v.
//
// The errors are json.Marshal's own: a json.Number that is not a JSON number,
// a NaN or infinite float64, a map or slice that contains itself, or an error
// from a fallback value's marshaler. On error AppendValue returns b with its
// original length; bytes past it, up to its capacity, may have been written.
func AppendValue(b []byte, v any) ([]byte, error) {
	out, err := appendValue(b, v, 0)
	if err != nil {
		return b, err
	}
	return out, nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case float64:
		return appendFloat(b, v)
	case json.Number:
		return appendNumber(b, v)
	case []string:
		return appendStrings(b, v), nil
	}
	if depth >= maxDepth {
		return appendMarshal(b, v)
	}
	switch v := v.(type) {
	case map[string]any:
		return appendObject(b, v, depth+1)
	case []any:
		return appendArray(b, v, depth+1)
	case []map[string]any:
		return appendObjects(b, v, depth+1)
	}
	return appendMarshal(b, v)
}

// appendMarshal appends json.Marshal's encoding of v: every type AppendValue
// does not write itself, and every value json.Marshal rejects, so that the
// error is the one json.Marshal returns.
func appendMarshal(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// appendObject writes m with its keys in byte-wise order, as encoding/json
// sorts string keys. Up to 16 keys are sorted without allocating.
func appendObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, m[k], depth); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendArray(b []byte, s []any, depth int) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValue(b, v, depth); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendObjects(b []byte, s []map[string]any, depth int) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, m := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendObject(b, m, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendStrings(b []byte, s []string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, v)
	}
	return append(b, ']')
}

// appendFloat writes f as encoding/json's floatEncoder does for 64 bits: as
// ES6 converts a number to a string, in exponent form below 1e-6 and from
// 1e21 up, with no leading zero in a negative exponent.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return appendMarshal(b, f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendNumber writes n as it is, or 0 when it is empty, as encoding/json
// does; a Number that is not a JSON number goes to json.Marshal for its error.
func appendNumber(b []byte, n json.Number) ([]byte, error) {
	if n == "" {
		return append(b, '0'), nil
	}
	if !isValidNumber(string(n)) {
		return appendMarshal(b, n)
	}
	return append(b, n...), nil
}

// isValidNumber reports whether s is a JSON number (RFC 8259 §6), as
// encoding/json's function of the same name does.
func isValidNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = skipDigits(s[1:])
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		s = skipDigits(s[2:])
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		s = skipDigits(s)
	}
	return s == ""
}

func skipDigits(s string) string {
	for len(s) > 0 && isDigit(s[0]) {
		s = s[1:]
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
