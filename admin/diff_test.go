package admin

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func TestUnified(t *testing.T) {
	lines := func(s string) []string { return splitLines(s) }
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"same", "a\nb\n", "a\nb\n", ""},
		{"both empty", "", "", ""},
		{"from nothing", "", "a\nb\n", "@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"to nothing", "a\nb\n", "", "@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"one line changed", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"inserted at the top", "b\nc\n", "a\nb\nc\n", "@@ -1,2 +1,3 @@\n+a\n b\n c\n"},
		{"changes far apart: two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "one\n2\n3\n4\n5\n6\n7\n8\n9\nten\n",
			"@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+ten\n"},
		{"changes 6 lines apart: one hunk", "1\n2\n3\n4\n5\n6\n7\n8\n", "one\n2\n3\n4\n5\n6\n7\neight\n",
			"@@ -1,8 +1,8 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n"},
		{"moved line", "a\nb\nc\n", "b\nc\na\n", "@@ -1,3 +1,3 @@\n-a\n b\n c\n+a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unified(lines(tt.a), lines(tt.b), 3); got != tt.want {
				t.Errorf("unified(%q, %q) =\n%s\nwant\n%s", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestLineEdits checks, over random texts, that the edit script turns one into
// the other and keeps as many lines as a longest common subsequence has; and,
// past the size bound, that it still turns one into the other.
func TestLineEdits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	text := func() []string {
		l := make([]string, r.IntN(12))
		for i := range l {
			l[i] = string(rune('a' + r.IntN(3)))
		}
		return l
	}
	for range 2000 {
		a, b := text(), text()
		for _, maxCells := range []int{maxDiffCells, 0} {
			es := lineEdits(a, b, maxCells)
			var gotA, gotB []string
			kept := 0
			for _, e := range es {
				if e.op != '+' {
					gotA = append(gotA, e.line)
				}
				if e.op != '-' {
					gotB = append(gotB, e.line)
				}
				if e.op == ' ' {
					kept++
				}
			}
			if strings.Join(gotA, ",") != strings.Join(a, ",") || strings.Join(gotB, ",") != strings.Join(b, ",") {
				t.Fatalf("lineEdits(%v, %v, %d) = %v: does not turn one into the other", a, b, maxCells, es)
			}
			if maxCells > 0 && kept != lcsLen(a, b) {
				t.Fatalf("lineEdits(%v, %v) keeps %d lines, want %d (a longest common subsequence)", a, b, kept, lcsLen(a, b))
			}
		}
	}
}

// lcsLen is the length of a longest common subsequence, by plain recursion.
func lcsLen(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if a[0] == b[0] {
		return 1 + lcsLen(a[1:], b[1:])
	}
	return max(lcsLen(a[1:], b), lcsLen(a, b[1:]))
}

func TestPolicyDiff(t *testing.T) {
	old := `{"format":1,"roles":[{"value":"Admin","effect":"accessRole"},{"value":"active","effect":"active"}],"deprovision":"delete"}`
	new := `{"format":1,"roles":[{"value":"Admin","effect":"accessRole"},{"value":"active","effect":"active"}],"deprovision":"deactivate"}`
	want := `@@ -10,5 +10,5 @@
       "effect": "active"
     }
   ],
-  "deprovision": "delete"
+  "deprovision": "deactivate"
 }
`
	got, err := PolicyDiff([]byte(old), []byte(new))
	if err != nil || got != want {
		t.Errorf("PolicyDiff = %v\n%s\nwant\n%s", err, got, want)
	}
	if got, err := PolicyDiff([]byte(old), []byte(old)); err != nil || got != "" {
		t.Errorf("PolicyDiff(same) = %q, %v; want nothing", got, err)
	}
	if got, err := PolicyDiff(nil, []byte(`{"format":1}`)); err != nil || got != "@@ -0,0 +1,3 @@\n+{\n+  \"format\": 1\n+}\n" {
		t.Errorf("PolicyDiff(none, a policy) = %q, %v", got, err)
	}
	if _, err := PolicyDiff([]byte(`{"format":`), []byte(old)); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("PolicyDiff(not JSON) = %v, want EINVALID", err)
	}
}
