package jsonenc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxNesting is how deep arrays and objects may nest, as encoding/json's
// scanner allows: the 10001st level is an error.
const maxNesting = 10000

// Decode parses data as one JSON value (RFC 8259) with only whitespace
// around it and returns what encoding/json's Decoder with UseNumber decodes
// into an any: map[string]any for an object (the last of duplicate keys
// wins), []any for an array (never nil), string, bool, nil, or json.Number
// holding a number's text as written.
//
// Strings are unescaped as encoding/json unescapes them: invalid UTF-8 and
// unpaired surrogate escapes become U+FFFD. Decode accepts exactly the texts
// json.Unmarshal accepts, arrays and objects nested at most 10000 deep
// included. Its errors say what is wrong and at which byte offset.
func Decode(data []byte) (any, error) {
	d := decoder{data: data}
	d.skipSpace()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.off < len(d.data) {
		return nil, d.syntaxError("after top-level value")
	}
	return v, nil
}

// DecodeObject decodes data as Decode does and returns what json.Unmarshal
// stores in a map[string]any: the object data holds, or a nil map for null.
// Any other value is an error.
func DecodeObject(data []byte) (map[string]any, error) {
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case map[string]any:
		return v, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("jsonenc: top-level value is %s, not an object", kind(v))
}

func kind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// decoder is Decode's state: the text, the offset of the next byte to read,
// and scratch space reused while the document is decoded.
type decoder struct {
	data []byte
	off  int

	// members and elems hold the parts of the objects and arrays being
	// decoded, innermost last, so that each map and slice is allocated once
	// at its final size. They start at 16, room for a SCIM resource.
	members []member
	elems   []any

	buf []byte // a string being unescaped
}

type member struct {
	key string
	val any
}

// value decodes the value at d.off, inside depth arrays and objects.
func (d *decoder) value(depth int) (any, error) {
	if d.off >= len(d.data) {
		return nil, d.syntaxError("looking for beginning of value")
	}
	switch d.data[d.off] {
	case '{':
		return d.object(depth + 1)
	case '[':
		return d.array(depth + 1)
	case '"':
		return d.string()
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.number()
	}
	return nil, d.syntaxError("looking for beginning of value")
}

// object decodes the object at d.off, the depth-th array or object from the
// top.
//
//	object = begin-object [ member *( value-separator member ) ] end-object
//	member = string name-separator value
func (d *decoder) object(depth int) (any, error) {
	if depth > maxNesting {
		return nil, d.depthError()
	}
	d.off++
	base := len(d.members)
	d.skipSpace()
	if d.off < len(d.data) && d.data[d.off] == '}' {
		d.off++
		return map[string]any{}, nil
	}
	for {
		if d.off >= len(d.data) || d.data[d.off] != '"' {
			return nil, d.syntaxError("looking for beginning of object key string")
		}
		key, err := d.string()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.off >= len(d.data) || d.data[d.off] != ':' {
			return nil, d.syntaxError("after object key")
		}
		d.off++
		d.skipSpace()
		val, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		if d.members == nil {
			d.members = make([]member, 0, 16)
		}
		d.members = append(d.members, member{key, val})
		d.skipSpace()
		if d.off >= len(d.data) {
			return nil, d.syntaxError("after object key:value pair")
		}
		switch d.data[d.off] {
		case ',':
			d.off++
			d.skipSpace()
			continue
		case '}':
			d.off++
			m := make(map[string]any, len(d.members)-base)
			for _, mb := range d.members[base:] {
				m[mb.key] = mb.val
			}
			d.members = d.members[:base]
			return m, nil
		}
		return nil, d.syntaxError("after object key:value pair")
	}
}

// array decodes the array at d.off, the depth-th array or object from the
// top.
//
//	array = begin-array [ value *( value-separator value ) ] end-array
func (d *decoder) array(depth int) (any, error) {
	if depth > maxNesting {
		return nil, d.depthError()
	}
	d.off++
	base := len(d.elems)
	d.skipSpace()
	if d.off < len(d.data) && d.data[d.off] == ']' {
		d.off++
		return []any{}, nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		if d.elems == nil {
			d.elems = make([]any, 0, 16)
		}
		d.elems = append(d.elems, v)
		d.skipSpace()
		if d.off >= len(d.data) {
			return nil, d.syntaxError("after array element")
		}
		switch d.data[d.off] {
		case ',':
			d.off++
			d.skipSpace()
			continue
		case ']':
			d.off++
			s := make([]any, len(d.elems)-base)
			copy(s, d.elems[base:])
			d.elems = d.elems[:base]
			return s, nil
		}
		return nil, d.syntaxError("after array element")
	}
}

// literal consumes word (true, false or null), which starts at d.off.
func (d *decoder) literal(word string) error {
	for i := range len(word) {
		if d.off >= len(d.data) || d.data[d.off] != word[i] {
			return d.syntaxError("in literal " + word)
		}
		d.off++
	}
	return nil
}

// number decodes the number at d.off as its text.
//
//	number = [ minus ] int [ frac ] [ exp ]
//	int    = zero / ( digit1-9 *DIGIT )
//	frac   = decimal-point 1*DIGIT
//	exp    = e [ minus / plus ] 1*DIGIT
func (d *decoder) number() (any, error) {
	start := d.off
	if d.data[d.off] == '-' {
		d.off++
	}
	switch {
	case d.off < len(d.data) && d.data[d.off] == '0':
		d.off++
	case d.off < len(d.data) && '1' <= d.data[d.off] && d.data[d.off] <= '9':
		d.skipDigits()
	default:
		return nil, d.syntaxError("in numeric literal")
	}
	if d.off < len(d.data) && d.data[d.off] == '.' {
		d.off++
		if d.off >= len(d.data) || !isDigit(d.data[d.off]) {
			return nil, d.syntaxError("after decimal point in numeric literal")
		}
		d.skipDigits()
	}
	if d.off < len(d.data) && (d.data[d.off] == 'e' || d.data[d.off] == 'E') {
		d.off++
		if d.off < len(d.data) && (d.data[d.off] == '+' || d.data[d.off] == '-') {
			d.off++
		}
		if d.off >= len(d.data) || !isDigit(d.data[d.off]) {
			return nil, d.syntaxError("in exponent of numeric literal")
		}
		d.skipDigits()
	}
	return json.Number(d.data[start:d.off]), nil
}

func (d *decoder) skipDigits() {
	for d.off < len(d.data) && isDigit(d.data[d.off]) {
		d.off++
	}
}

// string decodes the string at d.off. A string without escapes and with
// valid UTF-8 is copied once, straight from the text.
func (d *decoder) string() (string, error) {
	start := d.off + 1
	for i := start; i < len(d.data); {
		c := d.data[i]
		switch {
		case c == '"':
			d.off = i + 1
			return string(d.data[start:i]), nil
		case c == '\\' || c < ' ':
			return d.unescape(start, i)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				return d.unescape(start, i)
			}
			i += size
		}
	}
	d.off = len(d.data)
	return "", d.syntaxError("in string literal")
}

// unescape decodes the string that starts at start from i on, where the
// first escape, control character or invalid UTF-8 is, as encoding/json's
// unquote does.
func (d *decoder) unescape(start, i int) (string, error) {
	b := append(d.buf[:0], d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.off = i + 1
			d.buf = b
			return string(b), nil
		case c == '\\':
			var err error
			if b, i, err = d.appendEscape(b, i); err != nil {
				return "", err
			}
		case c < ' ':
			d.off = i
			return "", d.syntaxError("in string literal")
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	d.off = len(d.data)
	return "", d.syntaxError("in string literal")
}

// appendEscape appends the character the escape at i stands for and returns
// the offset after the escape. A \u escape of a surrogate takes the escape
// after it too when the two are a pair, and is U+FFFD when they are not.
func (d *decoder) appendEscape(b []byte, i int) ([]byte, int, error) {
	if i+1 >= len(d.data) {
		d.off = len(d.data)
		return b, i, d.syntaxError("in string escape code")
	}
	switch c := d.data[i+1]; c {
	case '"', '\\', '/':
		return append(b, c), i + 2, nil
	case 'b':
		return append(b, '\b'), i + 2, nil
	case 'f':
		return append(b, '\f'), i + 2, nil
	case 'n':
		return append(b, '\n'), i + 2, nil
	case 'r':
		return append(b, '\r'), i + 2, nil
	case 't':
		return append(b, '\t'), i + 2, nil
	case 'u':
		r, bad := d.hex4(i + 2)
		if bad >= 0 {
			d.off = bad
			return b, i, d.syntaxError("in \\u hexadecimal character escape")
		}
		i += 6
		if utf16.IsSurrogate(r) {
			r2, ok := d.u4(i)
			if pair := utf16.DecodeRune(r, r2); ok && pair != utf8.RuneError {
				return utf8.AppendRune(b, pair), i + 6, nil
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(b, r), i, nil
	}
	d.off = i + 1
	return b, i, d.syntaxError("in string escape code")
}

// hex4 reads the four hex digits of a \u escape at i. bad is the offset of
// the first byte that is not a hex digit, or -1.
func (d *decoder) hex4(i int) (r rune, bad int) {
	for j := i; j < i+4; j++ {
		if j >= len(d.data) {
			return 0, j
		}
		n, ok := unhex(d.data[j])
		if !ok {
			return 0, j
		}
		r = r<<4 | n
	}
	return r, -1
}

// u4 reads the \u escape at i, if there is one.
func (d *decoder) u4(i int) (rune, bool) {
	if i+1 >= len(d.data) || d.data[i] != '\\' || d.data[i+1] != 'u' {
		return 0, false
	}
	r, bad := d.hex4(i + 2)
	return r, bad < 0
}

func unhex(c byte) (rune, bool) {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0'), true
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10), true
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}

func (d *decoder) skipSpace() {
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// syntaxError reports the byte at d.off, or the end of the text, as
// unexpected in the context given.
func (d *decoder) syntaxError(context string) error {
	if d.off >= len(d.data) {
		return fmt.Errorf("jsonenc: unexpected end of JSON input at offset %d", d.off)
	}
	return fmt.Errorf("jsonenc: invalid character %s %s at offset %d", quoteByte(d.data[d.off]), context, d.off)
}

func (d *decoder) depthError() error {
	return fmt.Errorf("jsonenc: exceeded max depth %d at offset %d", maxNesting, d.off)
}

// quoteByte quotes c for an error message: as a Go character literal when it
// is ASCII, as a hex byte when it is not.
func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// IndexNUL returns the byte offset in data, a JSON text, of the first NUL
// character (U+0000) its strings or keys decode to, or -1 if there is none.
// JSON writes NUL inside a string only as the escape \u0000; a raw zero byte,
// which no valid text holds, is reported too.
func IndexNUL(data []byte) int {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case 0:
			return i
		case '\\':
			if i+5 < len(data) && data[i+1] == 'u' && string(data[i+2:i+6]) == "0000" {
				return i
			}
			i++ // the escaped character: \\ or \" is not the start of another escape
		}
	}
	return -1
}
