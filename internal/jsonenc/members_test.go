package jsonenc_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster/internal/jsonenc"
)

func TestMembers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // key=value lines, or "false"
	}{
		{"empty", `{}`, ``},
		{"scalars", `{"a":1,"b":true,"c":null,"d":"x"}`, "a=1\nb=true\nc=null\nd=\"x\"\n"},
		{"nested", `{"a":{"b":[1,{"c":"]}"}]},"d":[]}`, "a={\"b\":[1,{\"c\":\"]}\"}]}\nd=[]\n"},
		{"escaped value", `{"a":"q\"\\","b":-1.5e3}`, "a=\"q\\\"\\\\\"\nb=-1.5e3\n"},
		{"escaped key", `{"a\"":1}`, "false"},
		{"space", `{"a": 1}`, "false"},
		{"not an object", `[1]`, "false"},
		{"unpaired", `{"a":[1}}`, "false"},
		{"unterminated", `{"a":"x}`, "false"},
		{"missing value", `{"a":}`, "false"},
		{"trailing", `{"a":1}}`, "false"},
		{"trailing comma", `{"a":1,}`, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			ok := jsonenc.Members([]byte(tt.in), func(k, v []byte) bool {
				fmt.Fprintf(&b, "%s=%s\n", k, v)
				return true
			})
			got := b.String()
			if !ok {
				got = "false"
			}
			if got != tt.want {
				t.Errorf("Members(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzMembers checks that Members, on any object AppendValue writes, gives
// back each member's key and its value's text as AppendValue writes them.
func FuzzMembers(f *testing.F) {
	f.Add([]byte(scimUser))
	f.Add([]byte(`{"a":{"b":"]}\""},"c":[[],{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := jsonenc.DecodeObject(data)
		if err != nil || doc == nil {
			return
		}
		text, err := jsonenc.AppendValue(nil, doc)
		if err != nil {
			return
		}
		n := 0
		ok := jsonenc.Members(text, func(k, v []byte) bool {
			n++
			want, err := jsonenc.AppendValue(nil, doc[string(k)])
			if err != nil || !bytes.Equal(v, want) {
				t.Errorf("Members(%s): %s = %s, want %s", text, k, v, want)
			}
			return true
		})
		if ok && n != len(doc) {
			t.Errorf("Members(%s) gave %d members, want %d", text, n, len(doc))
		}
		if !ok && !bytes.Contains(text, []byte(`\`)) {
			t.Errorf("Members(%s) = false", text)
		}
	})
}
