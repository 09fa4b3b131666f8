package filter

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// lines returns the test inputs in file: one per line, skipping comments. Blank lines are
// kept inside the "Errors" sections, where the empty filter is a case.
func lines(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	errors := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			errors = strings.HasPrefix(line, "# Errors")
			continue
		}
		if strings.TrimSpace(line) == "" && !errors {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

// dump prints e fully parenthesised with offsets, so golden files show the tree itself.
func dump(e Expr) string {
	switch e := e.(type) {
	case *Compare:
		if e.Op == Pr {
			return fmt.Sprintf("(pr@%d %s)", e.Pos(), dumpPath(e.Attr))
		}
		return fmt.Sprintf("(%s@%d %s %s)", e.Op, e.Pos(), dumpPath(e.Attr), e.Value)
	case *Logical:
		return fmt.Sprintf("(%s %s %s)", e.Op, dump(e.Left), dump(e.Right))
	case *Not:
		return fmt.Sprintf("(not@%d %s)", e.Pos(), dump(e.X))
	case *ValuePath:
		if e.Sub != nil {
			return fmt.Sprintf("(path@%d %s %s .%s)", e.Pos(), dumpPath(e.Attr), dump(e.Filter), dump(e.Sub))
		}
		return fmt.Sprintf("(path@%d %s %s)", e.Pos(), dumpPath(e.Attr), dump(e.Filter))
	}
	return fmt.Sprintf("%T", e)
}

func dumpPath(p AttrPath) string {
	return fmt.Sprintf("{%s|%s|%s}", p.URN, p.Name, p.Sub)
}

// parseReport parses in and reports the canonical text and tree, or the error. It also
// checks the round trip: the canonical text parses to the same tree.
func parseReport(t *testing.T, in string) string {
	t.Helper()
	e, err := Parse(in)
	if err != nil {
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("Parse(%q) error %T, want *Error", in, err)
		}
		return fmt.Sprintf("in:   %s\nerr:  %v\n\n", in, err)
	}
	out := e.String()
	again, err := Parse(out)
	if err != nil {
		t.Errorf("Parse(%q) = %v, want no error (canonical text of %q)", out, err, in)
	} else if again.String() != out || stripPos(dump(again)) != stripPos(dump(e)) {
		t.Errorf("Parse(%q) = %s, want %s", out, dump(again), dump(e))
	}
	return fmt.Sprintf("in:   %s\nout:  %s\ntree: %s\n\n", in, out, dump(e))
}

func stripPos(s string) string {
	var b strings.Builder
	skip := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			skip = true
		case skip && '0' <= c && c <= '9':
		default:
			skip = false
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestParseGolden(t *testing.T) {
	var b strings.Builder
	for _, in := range lines(t, "testdata/filters.txt") {
		b.WriteString(parseReport(t, in))
	}
	golden(t, "filters.golden", b.String())
}

func pathReport(in string) string {
	p, err := ParsePath(in)
	if err != nil {
		return fmt.Sprintf("in:   %s\nerr:  %v\n\n", in, err)
	}
	filter := "<nil>"
	if p.Filter != nil {
		filter = dump(p.Filter)
	}
	return fmt.Sprintf("in:   %s\nout:  %s\nattr: %s filter: %s sub: %q\n\n", in, p, dumpPath(p.Attr), filter, p.Sub)
}

func TestParsePathGolden(t *testing.T) {
	var b strings.Builder
	for _, in := range lines(t, "testdata/paths.txt") {
		b.WriteString(pathReport(in))
		if p, err := ParsePath(in); err == nil {
			if again, err := ParsePath(p.String()); err != nil || again.String() != p.String() {
				t.Errorf("ParsePath(%q) = %v, %v; want %v", p.String(), again, err, p)
			}
		}
	}
	golden(t, "paths.golden", b.String())
}

// TestEntra replays the requests Microsoft documents for Entra ID byte for byte.
func TestEntra(t *testing.T) {
	files, err := filepath.Glob("testdata/entra/*")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ext := filepath.Ext(file)
		if ext != ".txt" && ext != ".json" {
			continue
		}
		fmt.Fprintf(&b, "== %s\n", filepath.Base(file))
		switch ext {
		case ".txt":
			line := strings.TrimSuffix(strings.TrimSpace(string(data)), " HTTP/1.1")
			_, query, _ := strings.Cut(line, "?")
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			b.WriteString(parseReport(t, q.Get("filter")))
		case ".json":
			var body struct{ Operations []struct{ Path string } }
			if err := json.Unmarshal(data, &body); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for _, op := range body.Operations {
				b.WriteString(pathReport(op.Path))
			}
		}
	}
	golden(t, "entra.golden", b.String())
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"rfc", `userName eq "bjensen"`, `userName eq "bjensen"`},
		{"case", `UserName EQ "x" AND title PR`, `UserName eq "x" and title pr`},
		{"and binds tighter", `a pr or b pr and c pr`, `a pr or b pr and c pr`},
		{"parens kept", `(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
		{"parens dropped", `(a pr and b pr) or c pr`, `a pr and b pr or c pr`},
		{"right nested", `a pr and (b pr and c pr)`, `a pr and (b pr and c pr)`},
		{"not", `not(a pr)`, `not (a pr)`},
		{"literals", `a eq TRUE or b eq False or c eq NULL`, `a eq true or b eq false or c eq null`},
		{"number exact", `id eq 12345678901234567890`, `id eq 12345678901234567890`},
		{"escapes", `a eq "\u0041\n\""`, `a eq "A\n\""`},
		{"value path", `emails[type eq "work" and value co "@x"]`, `emails[type eq "work" and value co "@x"]`},
		{"value path compared", `EMAILS[TYPE EQ "work"].Value EQ "a@x" AND title pr`, `EMAILS[TYPE eq "work"].Value eq "a@x" and title pr`},
		{"value path present", `not (emails[type eq "work"].value pr)`, `not (emails[type eq "work"].value pr)`},
		{"urn", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		name, in, want string
		pos            int
	}{
		{"missing value", `userName eq )`, "unexpected ')' at 12: expected a comparison value", 12},
		{"end", `userName eq`, "unexpected end of input at 11: expected a comparison value", 11},
		{"bad op", `userName xx "x"`, "unexpected 'xx' at 9: expected an operator", 9},
		{"unclosed", `(a pr`, "unexpected end of input at 5: expected 'and', 'or' or ')'", 5},
		{"too long", strings.Repeat("a", MaxLength+1), "input longer than 8192 bytes", MaxLength},
		{"too deep", strings.Repeat("(", MaxDepth+1) + "a pr" + strings.Repeat(")", MaxDepth+1), "nesting deeper than 32 at 32", 32},
		{"bad utf8", "a eq \"\xff\"", "invalid UTF-8 at 6", 6},
		{"value path sub without operator", `emails[type eq "work"].value`, "unexpected end of input at 28: expected an operator", 28},
		{"value path sub after a space", `emails[type eq "work"] .value eq "x"`, "unexpected '.value' at 23: expected 'and', 'or' or end of input", 23},
		{"escaped NUL", `userName eq "a\u0000"`, `NUL character (\u0000) in string at 14`, 14},
		{"NUL in a string", "userName eq \"a\x00\"", "control character in string at 14", 14},
		{"NUL in a word", "user\x00Name pr", "NUL character at 4", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse(%q) = %v, want *Error %q", tt.in, err, tt.want)
			}
			if perr.Error() != tt.want || perr.Pos != tt.pos {
				t.Errorf("Parse(%q) = %q at %d, want %q at %d", tt.in, perr.Error(), perr.Pos, tt.want, tt.pos)
			}
		})
	}
}

func TestParseAttrPath(t *testing.T) {
	tests := []struct {
		name, in string
		want     AttrPath
		err      bool
	}{
		{"name", "userName", AttrPath{Name: "userName"}, false},
		{"sub", "name.familyName", AttrPath{Name: "name", Sub: "familyName"}, false},
		{"urn", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
			AttrPath{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", Name: "manager"}, false},
		{"urn sub", "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
			AttrPath{URN: "urn:ietf:params:scim:schemas:core:2.0:User", Name: "name", Sub: "givenName"}, false},
		{"spaces", "  meta.lastModified ", AttrPath{Name: "meta", Sub: "lastModified", Pos: 2}, false},
		{"empty", "", AttrPath{}, true},
		{"filter", `emails[type eq "work"]`, AttrPath{}, true},
		{"two words", "a b", AttrPath{}, true},
		{"bad name", "1a", AttrPath{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAttrPath(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("ParseAttrPath(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}
