package jsonenc_test

import (
	"encoding/json"
	"testing"

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
