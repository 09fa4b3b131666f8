package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/rosterhq/roster/internal/jsonenc"
)

// stdDecode decodes data as Decode is documented to: with encoding/json's
// Decoder and UseNumber, and only whitespace after the value.
func stdDecode(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if rest := bytes.TrimLeft(data[d.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("invalid character %q after top-level value", rest[0])
	}
	return v, nil
}

// checkDecode fails t unless Decode(data) returns what stdDecode returns, or
// fails where stdDecode fails.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := stdDecode(data)
	got, err := jsonenc.Decode(data)
	switch {
	case wantErr != nil && err == nil:
		t.Fatalf("Decode(%q) = %#v, want error like %q", data, got, wantErr)
	case wantErr == nil && err != nil:
		t.Fatalf("Decode(%q) error %q, want %#v", data, err, want)
	case err == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("Decode(%q) = %#v, want %#v", data, got, want)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"scim user", scimUser},
		{"null", "null"},
		{"true", "true"},
		{"false", "false"},
		{"string", `"bjensen"`},
		{"empty object", `{}`},
		{"empty array", `[]`},
		{"spaced empties", " [ { } ,\t[ ] ] "},
		{"nested empties", `[[],{},[{}],{"a":[]}]`},
		{"whitespace around", " \t\r\n{\"a\" : [ 1 , 2 ] }\n\r\t "},
		{"duplicate keys", `{"a":1,"b":2,"a":{"c":3},"b":null}`},
		{"duplicate escaped key", `{"a":1,"\u0061":2}`},
		{"empty key", `{"":""}`},

		{"zero", "0"},
		{"negative zero", "-0"},
		{"fraction", "0.5E-3"},
		{"huge exponent", "1e400"},
		{"tiny exponent", "-1e-400"},
		{"big integer", "123456789012345678901234567890"},
		{"2^53+1", "9007199254740993"},
		{"exponent signs", "[1E+2,1e-2,1e2,0e0,-0.0e-0]"},
		{"number then space", "12 "},

		{"short escapes", `"\"\\\/\b\f\n\r\t"`},
		{"unicode escapes", `"\u0041\u00e9\u2028\uFFFD\u0000"`},
		{"surrogate pair", `"\ud83d\ude00"`},
		{"upper case pair", `"\uD83D\uDE00"`},
		{"lone high surrogate", `"\ud800"`},
		{"lone low surrogate", `"\udc00x"`},
		{"high then high pair", `"\ud800\ud800\udc00"`},
		{"high then letter", `"\ud800\u0041"`},
		{"high then short escape", `"\ud800\n"`},
		{"high at end", `"a\uDBFF"`},
		{"last pair", `"\uDBFF\uDFFF"`},
		{"raw unicode", `"Zoë 日本 😀"`},
		{"raw del", "\"\x7f\""},
		{"invalid utf-8", "\"a\xffb\xc3\""},
		{"encoded surrogate", "\"\xed\xa0\x80\""},
		{"beyond U+10FFFF", "\"\xf4\x90\x80\x80\""},
		{"truncated rune before quote", "\"\xe6\x97\""},
		{"invalid utf-8 and escape", "\"\xff\\n\xfe\""},
		{"invalid utf-8 in key", "{\"\xff\":1,\"\xfe\":2}"},
		{"long invalid utf-8", "\"" + strings.Repeat("\xff", 100) + "\""},

		{"error empty", ""},
		{"error space", " \n"},
		{"error bom", "\xef\xbb\xbf{}"},
		{"error trailing value", "{} {}"},
		{"error trailing garbage", "[1]x"},
		{"error trailing comma array", "[1,]"},
		{"error trailing comma object", `{"a":1,}`},
		{"error missing colon", `{"a" 1}`},
		{"error missing value", `{"a":}`},
		{"error unquoted key", `{a:1}`},
		{"error number key", `{1:1}`},
		{"error single quotes", `'a'`},
		{"error unclosed array", "[1,2"},
		{"error unclosed object", `{"a":1`},
		{"error unclosed string", `"abc`},
		{"error unclosed escape", `"abc\`},
		{"error mismatched", `[1}`},
		{"error leading zero", "01"},
		{"error negative leading zero", "[-01]"},
		{"error plus", "+1"},
		{"error minus alone", "-"},
		{"error minus space", "- 1"},
		{"error dot", ".5"},
		{"error trailing dot", "1."},
		{"error dot exponent", "1.e5"},
		{"error empty exponent", "1e"},
		{"error signed empty exponent", "1e+"},
		{"error hex", "0x10"},
		{"error NaN", "NaN"},
		{"error Infinity", "-Infinity"},
		{"error tru", "tru"},
		{"error trux", "trux"},
		{"error True", "True"},
		{"error nulll", "nulll"},
		{"error control in string", "\"a\x01b\""},
		{"error newline in string", "\"a\nb\""},
		{"error tab in string", "\"a\tb\""},
		{"error bad escape", `"\x"`},
		{"error single quote escape", `"\'"`},
		{"error short unicode escape", `"\u12"`},
		{"error bad hex", `"\u12G4"`},
		{"error pair with bad hex", `"\ud800\udcZZ"`},
		{"error form feed space", "\f1"},
		{"error vertical tab space", "1\v"},
		{"error nbsp", "\xc2\xa01"},
		{"error nul after", "1\x00"},
		{"error comment", "[1 /* x */]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecode(t, []byte(tt.in))
			_, err := jsonenc.Decode([]byte(tt.in))
			if got, want := err != nil, strings.HasPrefix(tt.name, "error"); got != want {
				t.Errorf("Decode(%q) error %v, want error %v", tt.in, err, want)
			}
		})
	}
}

// TestDecodeValues spells out the values that matter most to the stores:
// number text as written, empty arrays that are not nil, the last of
// duplicate keys.
func TestDecodeValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`-0`, json.Number("-0")},
		{`1E+400`, json.Number("1E+400")},
		{`[]`, []any{}},
		{`{}`, map[string]any{}},
		{`{"a":1,"a":[true,null]}`, map[string]any{"a": []any{true, nil}}},
		{`"\ud83d\ude00\ud800x\udc00"`, "😀\ufffdx\ufffd"},
		{"\"\xff\xed\xa0\x80\"", "\ufffd\ufffd\ufffd\ufffd"},
	}
	for _, tt := range tests {
		got, err := jsonenc.Decode([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Decode(%q) = %#v, %v, want %#v", tt.in, got, err, tt.want)
		}
	}
	if got, _ := jsonenc.Decode([]byte(`[]`)); got.([]any) == nil {
		t.Errorf("Decode([]) = nil slice, want empty")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "jsonenc: unexpected end of JSON input at offset 0"},
		{`{"a":1,"b":x}`, "jsonenc: invalid character 'x' looking for beginning of value at offset 11"},
		{`[1 2]`, "jsonenc: invalid character '2' after array element at offset 3"},
		{`{"a" 1}`, "jsonenc: invalid character '1' after object key at offset 5"},
		{`{"a":1 "b"}`, "jsonenc: invalid character '\"' after object key:value pair at offset 7"},
		{`{1:1}`, "jsonenc: invalid character '1' looking for beginning of object key string at offset 1"},
		{`[1]]`, "jsonenc: invalid character ']' after top-level value at offset 3"},
		{"\"ab\x01\"", "jsonenc: invalid character '\\x01' in string literal at offset 3"},
		{`"a\qb"`, "jsonenc: invalid character 'q' in string escape code at offset 3"},
		{`"\u00G0"`, "jsonenc: invalid character 'G' in \\u hexadecimal character escape at offset 5"},
		{`[1.]`, "jsonenc: invalid character ']' after decimal point in numeric literal at offset 3"},
		{`-x`, "jsonenc: invalid character 'x' in numeric literal at offset 1"},
		{`1e+`, "jsonenc: unexpected end of JSON input at offset 3"},
		{`nul`, "jsonenc: unexpected end of JSON input at offset 3"},
		{`[nulx]`, "jsonenc: invalid character 'x' in literal null at offset 4"},
		{"\xef\xbb\xbf{}", "jsonenc: invalid character byte 0xef looking for beginning of value at offset 0"},
		{`"abc`, "jsonenc: unexpected end of JSON input at offset 4"},
		{strings.Repeat("[", 10001), "jsonenc: exceeded max depth 10000 at offset 10000"},
	}
	for _, tt := range tests {
		_, err := jsonenc.Decode([]byte(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Decode(%.40q) error %v, want %s", tt.in, err, tt.want)
		}
	}
}

// TestDecodeDepth checks that arrays and objects nest as deep as
// encoding/json lets them and no deeper.
func TestDecodeDepth(t *testing.T) {
	for _, depth := range []int{9999, 10000, 10001, 20000} {
		arrays := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		objects := strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
		mixed := strings.Repeat(`[{"a":`, depth/2) + "1" + strings.Repeat("}]", depth/2)
		for name, in := range map[string]string{"arrays": arrays, "objects": objects, "mixed": mixed} {
			t.Run(fmt.Sprint(name, depth), func(t *testing.T) {
				checkDecode(t, []byte(in))
				checkDecode(t, []byte(in[:len(in)-1]))
			})
		}
	}
}

func TestDecodeObject(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]any
		wantErr bool
	}{
		{`{"a":[1]}`, map[string]any{"a": []any{json.Number("1")}}, false},
		{` {} `, map[string]any{}, false},
		{`null`, nil, false},
		{`[]`, nil, true},
		{`"a"`, nil, true},
		{`1`, nil, true},
		{`true`, nil, true},
		{`{"a":1`, nil, true},
		{``, nil, true},
	}
	for _, tt := range tests {
		got, err := jsonenc.DecodeObject([]byte(tt.in))
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeObject(%q) = %#v, %v; want %#v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		var m map[string]any
		if unmarshalErr := json.Unmarshal([]byte(tt.in), &m); (unmarshalErr != nil) != tt.wantErr {
			t.Errorf("json.Unmarshal(%q) error %v, but DecodeObject error %v", tt.in, unmarshalErr, err)
		}
	}
}

// TestDecodeRandom compares Decode with encoding/json over random JSON texts,
// some of them invalid.
func TestDecodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	valid := 0
	for range 20000 {
		g := textGen{r: r, junk: r.IntN(4) == 0}
		g.value(0)
		checkDecode(t, g.b)
		if _, err := stdDecode(g.b); err == nil {
			valid++
		}
	}
	if valid < 10000 {
		t.Errorf("only %d of 20000 random texts are valid JSON", valid)
	}
}

// TestDecodeMutations breaks valid JSON texts by truncating them, changing a
// byte, dropping one or doubling one, and checks that Decode fails where
// encoding/json fails.
func TestDecodeMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	docs := [][]byte{[]byte(scimUser), []byte(storedUser)}
	for len(docs) < 300 {
		g := textGen{r: r}
		g.value(0)
		docs = append(docs, g.b)
	}
	bytesOfInterest := []byte("{}[]:,\"\\/ \t\n\r0123456789-+.eEtrufalsn\x00\x1f\x7f\x80\xbf\xc3\xed\xff")
	for _, doc := range docs {
		checkDecode(t, doc)
		for range 30 {
			i := r.IntN(len(doc) + 1)
			checkDecode(t, doc[:i])
			if i == len(doc) {
				continue
			}
			m := bytes.Clone(doc)
			m[i] = bytesOfInterest[r.IntN(len(bytesOfInterest))]
			checkDecode(t, m)
			m[i] ^= byte(1) << r.IntN(8)
			checkDecode(t, m)
			checkDecode(t, append(bytes.Clone(doc[:i]), doc[i+1:]...))
			checkDecode(t, append(bytes.Clone(doc[:i+1]), doc[i:]...))
		}
	}
}

// textGen writes a random JSON text. With junk set it now and then writes a
// token JSON does not allow.
type textGen struct {
	r    *rand.Rand
	junk bool
	b    []byte
}

var (
	textSpaces   = []string{"", "", "", " ", "\t", "\n", "\r\n", " \t\n\r "}
	badSpaces    = []string{"\f", "\v", "\xc2\xa0", "\x00", "/**/"}
	textNumbers  = []string{"0", "-0", "1", "-1", "42", "0.5", "0.5E-3", "1e400", "-1e-400", "1E+2", "1e0", "0e0", "-0.0e-0", "10", "3.14159", "123456789012345678901234567890", "9007199254740993", "-9223372036854775809", "1.000000000000000000001"}
	badNumbers   = []string{"01", "-", "1.", "1e", ".5", "+1", "1e+", "--1", "0x1", "Infinity", "NaN", "1.e5", "-01", "00", "1..2", "1e5.5"}
	textChars    = []string{"a", "Z", "userName", " ", "<&>", "'", "é", "日本", "😀", "\x7f", "\ufffd", `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u0041`, `\u00e9`, `\u2028`, `\u0000`, `\uFFFD`, `\ud83d\ude00`, `\uD83D\uDE00`, `\ud800`, `\udc00`, `\uD800\uD800`, `\ud800\u0041`, `\uDBFF\uDFFF`, `\ud800\n`, "\xff", "\xc3", "\xe6\x97", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\x80"}
	badChars     = []string{"\x00", "\x01", "\n", "\t", "\x1f", `\x`, `\'`, `\u12`, `\uXYZW`, `\U0041`, `\ud800\uZZZZ`, `\`}
	textLiterals = []string{"true", "false", "null"}
	badLiterals  = []string{"tru", "True", "nul", "nulll", "falsey", "undefined"}
)

func (g *textGen) pick(good, bad []string) string {
	if g.junk && g.r.IntN(30) == 0 {
		return bad[g.r.IntN(len(bad))]
	}
	return good[g.r.IntN(len(good))]
}

func (g *textGen) space() {
	g.b = append(g.b, g.pick(textSpaces, badSpaces)...)
}

func (g *textGen) value(depth int) {
	g.space()
	n := 7
	if depth < 6 {
		n = 11
	}
	switch g.r.IntN(n) {
	case 0, 1:
		g.b = append(g.b, g.pick(textNumbers, badNumbers)...)
	case 2:
		g.b = append(g.b, g.pick(textLiterals, badLiterals)...)
	case 3, 4, 5, 6:
		g.string()
	case 7, 8:
		g.b = append(g.b, '[')
		g.space()
		for i := range g.r.IntN(6) {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.value(depth + 1)
		}
		g.b = append(g.b, ']')
	default:
		g.b = append(g.b, '{')
		g.space()
		for i := range g.r.IntN(8) {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.space()
			g.string()
			g.space()
			g.b = append(g.b, ':')
			g.value(depth + 1)
		}
		g.b = append(g.b, '}')
	}
	g.space()
	if g.junk && g.r.IntN(50) == 0 {
		g.b = append(g.b, ",]}:\"x"[g.r.IntN(6)])
	}
}

func (g *textGen) string() {
	g.b = append(g.b, '"')
	for range g.r.IntN(6) {
		g.b = append(g.b, g.pick(textChars, badChars)...)
	}
	g.b = append(g.b, '"')
}

func TestIndexNUL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"none", `{"a":"b"}`, -1},
		{"in a value", `{"a":"b\u0000"}`, 7},
		{"in a key", `{"a\u0000":1}`, 3},
		{"escaped backslash", `{"a":"\\u0000"}`, -1},
		{"escaped backslash then NUL", `{"a":"\\\u0000"}`, 8},
		{"escaped quote", `["\"\u0000"]`, 4},
		{"other control", `["\u0001\u001f"]`, -1},
		{"not NUL", `["\u00000"]`, 2},
		{"raw zero byte", "[\"\x00\"]", 2},
		{"cut short", `["\u000`, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jsonenc.IndexNUL([]byte(tt.in)); got != tt.want {
				t.Errorf("IndexNUL(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}
