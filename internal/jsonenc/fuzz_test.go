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
