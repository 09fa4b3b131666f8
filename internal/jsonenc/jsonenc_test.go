package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/jsonenc"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"plain", "bjensen@example.com"},
		{"quote and backslash", `a"b\c`},
		{"short escapes", "\b\f\n\r\t"},
		{"other control", "\x00\x01\x1f\x7f"},
		{"html", "<a href='x'>&amp;</a>"},
		{"line separators", "a\u2028b\u2029c"},
		{"invalid utf-8", "a\xffb\xc3"},
		{"unicode", "Zoë 日本 😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonenc.AppendString(nil, tt.in); string(got) != string(want) {
				t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, want)
			}
		})
	}
}

// checkValue fails t unless AppendValue, appending v to a prefix, writes what
// json.Marshal writes, or returns the error json.Marshal returns and leaves
// the prefix as it was.
func checkValue(t *testing.T, v any) {
	t.Helper()
	const prefix = "x:"
	want, wantErr := json.Marshal(v)
	got, err := jsonenc.AppendValue([]byte(prefix), v)
	switch {
	case wantErr != nil && err == nil:
		t.Fatalf("AppendValue(%#v) = %s, want error %q", v, got, wantErr)
	case wantErr == nil && err != nil:
		t.Fatalf("AppendValue(%#v) error %q, want %s", v, err, want)
	case err != nil && err.Error() != wantErr.Error():
		t.Fatalf("AppendValue(%#v) error %q, want %q", v, err, wantErr)
	case err != nil && string(got) != prefix:
		t.Fatalf("AppendValue(%#v) on error = %q, want %q", v, got, prefix)
	case err == nil && !bytes.Equal(got, append([]byte(prefix), want...)):
		t.Fatalf("AppendValue(%#v) = %s, want %s%s", v, got, prefix, want)
	}
}

type attrs map[string]any

type marshaler struct{ out string }

func (m marshaler) MarshalJSON() ([]byte, error) {
	if m.out == "" {
		return nil, errors.New("no output")
	}
	return []byte(m.out), nil
}

type textKey int

func (k textKey) MarshalText() ([]byte, error) { return []byte("k" + strconv.Itoa(int(k))), nil }

func TestAppendValue(t *testing.T) {
	name := "Barbara"
	cyclicMap := map[string]any{}
	cyclicMap["self"] = cyclicMap
	cyclicSlice := make([]any, 1)
	cyclicSlice[0] = cyclicSlice
	deep := any("leaf")
	for range 2500 {
		deep = []any{map[string]any{"a": deep}}
	}
	tests := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"true", true},
		{"false", false},
		{"string", `Zoë "Bee" <b>&amp;</b>` + "\u2028\b\x00\xff"},
		{"empty string", ""},
		{"int", -42},
		{"int min", math.MinInt},
		{"int64 max", int64(math.MaxInt64)},
		{"number", json.Number("-12.5e+10")},
		{"empty number", json.Number("")},
		{"float zero", 0.0},
		{"float negative zero", math.Copysign(0, -1)},
		{"float integer", 1234567.0},
		{"float fraction", 0.1},
		{"float 1e-6", 1e-6},
		{"float 1e-7", 1e-7},
		{"float 1e20", 1e20},
		{"float 1e21", 1e21},
		{"float -1e21", -1e21},
		{"float 2^53+1", 9007199254740993.0},
		{"float smallest", math.SmallestNonzeroFloat64},
		{"float largest", math.MaxFloat64},
		{"float e-100", 1.5e-100},
		{"empty map", map[string]any{}},
		{"nil map", map[string]any(nil)},
		{"nil array", []any(nil)},
		{"nil objects", []map[string]any(nil)},
		{"nil strings", []string(nil)},
		{"empty array", []any{}},
		{"strings", []string{"a", "<b>", ""}},
		{"objects", []map[string]any{{"value": "1"}, nil, {}}},
		{"sorted keys", map[string]any{"b": 1, "a": 2, "B": 3, "": 4, "é": 5, "\xff": 6, "a\x00": 7, "<": 8}},
		{"many keys", manyKeys(40)},
		{"nested", map[string]any{"a": []any{map[string]any{"b": []any{nil, true, []string{"c"}}}}}},
		{"deep", deep},
		{"time", time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)},
		{"struct", struct {
			A string `json:"a"`
			B int    `json:"b,omitempty"`
		}{A: "<x>"}},
		{"pointer", &name},
		{"nil pointer", (*string)(nil)},
		{"raw message", json.RawMessage(` { "b" : [ 1 , "<" ] } `)},
		{"marshaler", marshaler{out: `{"z": "&"}`}},
		{"named map", attrs{"b": 1, "a": attrs{}}},
		{"named string", time.Month(3)},
		{"map of strings", map[string]string{"b": "1", "a": "2"}},
		{"map with int keys", map[int]any{10: "a", 9: "b", -1: "c"}},
		{"map with text keys", map[textKey]any{2: "a", 10: "b"}},
		{"bytes", []byte("hello")},
		{"ints", []int{1, 2}},
		{"float32", float32(1e-7)},
		{"uint64", uint64(math.MaxUint64)},
		{"fallback inside map", map[string]any{"t": time.Unix(0, 0).UTC(), "r": json.RawMessage(`[1, 2]`)}},

		{"error NaN", math.NaN()},
		{"error +Inf", math.Inf(1)},
		{"error -Inf in map", map[string]any{"a": []any{math.Inf(-1)}}},
		{"error number letters", json.Number("abc")},
		{"error number leading zero", json.Number("01")},
		{"error number space", json.Number(" 1")},
		{"error number in objects", []map[string]any{{"a": json.Number("1.")}}},
		{"error cyclic map", cyclicMap},
		{"error cyclic slice", cyclicSlice},
		{"error marshaler", map[string]any{"a": marshaler{}}},
		{"error marshaler invalid", marshaler{out: `{`}},
		{"error channel", map[string]any{"c": make(chan int)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkValue(t, tt.v)
		})
	}
}

func manyKeys(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m["key"+strconv.Itoa(n-i)] = i
	}
	return m
}

// TestAppendValueNumbers compares json.Number validation with encoding/json's
// over every string of up to four characters from the number alphabet.
func TestAppendValueNumbers(t *testing.T) {
	const alphabet = "01-+.eE9x"
	var walk func(prefix string)
	walk = func(prefix string) {
		checkValue(t, json.Number(prefix))
		if len(prefix) == 4 {
			return
		}
		for i := range len(alphabet) {
			walk(prefix + alphabet[i:i+1])
		}
	}
	walk("")
}

// TestAppendValueRandom compares AppendValue with json.Marshal over random
// value trees built from the types the SCIM server renders, with the strings
// and numbers most likely to be written differently.
func TestAppendValueRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		checkValue(t, randomValue(r, 0))
	}
}

// randomValue returns a random value tree at most five levels deep.
func randomValue(r *rand.Rand, depth int) any {
	n := 12
	if depth < 5 {
		n = 17
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2, 3:
		return randomString(r)
	case 4:
		return randomNumber(r)
	case 5, 6:
		return randomFloat(r)
	case 7:
		return int(r.Int64()) >> r.IntN(64)
	case 8:
		return r.Int64() >> r.IntN(64) * int64(1-2*r.IntN(2))
	case 9:
		s := make([]string, r.IntN(4))
		for i := range s {
			s[i] = randomString(r)
		}
		if len(s) == 0 && r.IntN(2) == 0 {
			return []string(nil)
		}
		return s
	case 10:
		return randomFallback(r)
	case 11:
		return map[string]any(nil)
	case 12, 13:
		m := make(map[string]any)
		for range r.IntN(20) {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	case 14, 15:
		s := make([]any, r.IntN(6))
		for i := range s {
			s[i] = randomValue(r, depth+1)
		}
		return s
	default:
		s := make([]map[string]any, r.IntN(4))
		for i := range s {
			if m, ok := randomValue(r, depth+1).(map[string]any); ok {
				s[i] = m
			}
		}
		return s
	}
}

var stringParts = []string{
	"", "a", "Z", "userName", " ", `"`, `\`, "/", "<", ">", "&", "'",
	"\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
	"\u2028", "\u2029", "\xff", "\xc3", "\xed\xa0\x80", "é", "Zoë", "日本", "😀", "\ufffd",
}

func randomString(r *rand.Rand) string {
	var s string
	for range r.IntN(6) {
		s += stringParts[r.IntN(len(stringParts))]
	}
	return s
}

var numbers = []json.Number{
	"", "0", "-0", "1", "-1", "0.5", "1e21", "1E+2", "1e-7", "-1.25e-10",
	"123456789012345678901234567890", "9007199254740993", "3.14159",
}

func randomNumber(r *rand.Rand) json.Number {
	if r.IntN(2) == 0 {
		return numbers[r.IntN(len(numbers))]
	}
	return json.Number(strconv.FormatFloat(randomFloat(r), 'g', -1, 64))
}

var floats = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 1e-7, 9.999999e-7, 1e20, 1e21, 999999999999999999999,
	-1e21, 1e-9, 1.5e-10, 1e100, 1e-100, 9007199254740993, -9007199254740993,
	math.MaxFloat64, math.SmallestNonzeroFloat64, math.MaxInt64, math.MinInt64,
}

func randomFloat(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		return floats[r.IntN(len(floats))]
	case 1:
		return float64(r.Int64N(1<<53)) * float64(1-2*r.IntN(2))
	case 2:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
	default:
		for {
			f := math.Float64frombits(r.Uint64())
			if !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f
			}
		}
	}
}

func randomFallback(r *rand.Rand) any {
	switch r.IntN(8) {
	case 0:
		return time.Unix(r.Int64N(1<<34), r.Int64N(1e9)).UTC()
	case 1:
		s := randomString(r)
		return &s
	case 2:
		return json.RawMessage(`{ "a" : [1, "<"] }`)
	case 3:
		return map[string]string{randomString(r): randomString(r), randomString(r): randomString(r)}
	case 4:
		return []int{r.IntN(10), -r.IntN(10)}
	case 5:
		return attrs{randomString(r): randomString(r)}
	case 6:
		return float32(randomFloat(r))
	default:
		return struct {
			Value   string `json:"value"`
			Primary bool   `json:"primary,omitempty"`
		}{randomString(r), r.IntN(2) == 0}
	}
}
