package filter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seeds adds every line of the testdata input files to f's corpus.
func seeds(f *testing.F, files ...string) {
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") { // test input lines, not filter syntax
			f.Add(line)
		}
	}
}

// FuzzParse checks that Parse never panics and that canonical text is a fixed point:
// it parses, and prints the same again.
func FuzzParse(f *testing.F) {
	seeds(f, "filters.txt", "paths.txt")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) error %T, want *Error", s, err)
			}
			return
		}
		out := e.String()
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) = %v, want no error (canonical text of %q)", out, err, s)
		}
		if again.String() != out {
			t.Fatalf("Parse(%q) = %s, want %s", out, again, out)
		}
		Match(e, map[string]any{"userName": "x", "emails": []any{map[string]any{"value": "y"}}}, nil)
		for _, d := range []Dialect{SQLite, Postgres} {
			Compile(e, testMapping, testResolver, d, 0)
		}
	})
}

// FuzzParsePath checks that ParsePath never panics and that its canonical text is a fixed point.
func FuzzParsePath(f *testing.F) {
	seeds(f, "paths.txt", "filters.txt")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		out := p.String()
		again, err := ParsePath(out)
		if err != nil {
			t.Fatalf("ParsePath(%q) = %v, want no error (canonical text of %q)", out, err, s)
		}
		if again.String() != out {
			t.Fatalf("ParsePath(%q) = %s, want %s", out, again, out)
		}
	})
}
