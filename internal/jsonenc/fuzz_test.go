package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rosterhq/roster/internal/jsonenc"
)

// FuzzAppendValue decodes any JSON document, once with json.Number and once
// with float64 for numbers, and checks that AppendValue writes what
// json.Marshal writes, or fails as it does.
func FuzzAppendValue(f *testing.F) {
	f.Add([]byte(scimUser))
	f.Add([]byte(`{"b":1,"a":[null,true,false,"x"],"":{"\u2028":"<>&\u0000\b\f"}}`))
	f.Add([]byte(`[1e21,1e-7,-0,0.1,123456789012345678901234567890,1E+2,-1.5e-300]`))
	f.Add([]byte(`"\ud800\udc00\ud800 \u00e9 \ufffd"`))
	f.Add([]byte(`{"a":{"a":{"a":[[[{"a":-0.0000001}]]]}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, useNumber := range []bool{true, false} {
			d := json.NewDecoder(bytes.NewReader(doc))
			if useNumber {
				d.UseNumber()
			}
			var v any
			if err := d.Decode(&v); err != nil {
				return
			}
			want, wantErr := json.Marshal(v)
			got, err := jsonenc.AppendValue(nil, v)
			if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Fatalf("AppendValue(%#v) error %v, want %v", v, err, wantErr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendValue(%#v) = %s, want %s", v, got, want)
			}
		}
	})
}

// FuzzDecode checks that Decode accepts what encoding/json accepts, rejects
// what it rejects, and decodes to the same value.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(scimUser))
	f.Add([]byte(storedUser))
	f.Add([]byte(` {"a":[1,-0,1e400,0.5E-3,{}],"a":"\u00e9\ud83d\ude00\ud800\"","":[null,true,false,[]]} `))
	f.Add([]byte("\"\xff\xed\xa0\x80\\udc00\\ud800\\u0041\""))
	f.Add([]byte(`[[[{"a":[[{"b":{}}]]}]]]`))
	f.Add([]byte(`123456789012345678901234567890`))
	f.Add([]byte(`{"a":1,}`))
	f.Add([]byte(strings.Repeat(`[{"":`, 5001)))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

// FuzzIndexNUL checks that IndexNUL finds a NUL in exactly the valid JSON
// texts whose decoded strings or keys hold one.
func FuzzIndexNUL(f *testing.F) {
	f.Add([]byte(scimUser))
	f.Add([]byte(`{"a\u0000":"\\u0000","b":["\\\u0000"]}`))
	f.Add([]byte(`["\"\u0000\\", "\u00000"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := jsonenc.Decode(data)
		if err != nil {
			return
		}
		if got, want := jsonenc.IndexNUL(data) >= 0, holdsNUL(v); got != want {
			t.Fatalf("IndexNUL(%q) >= 0 is %v, want %v", data, got, want)
		}
	})
}

// holdsNUL reports whether a decoded JSON value has NUL in a string or key.
func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, e := range v {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}
