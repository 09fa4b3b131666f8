package roster_test

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// readmeMaxLines keeps README.md a front door: what Roster is, how to run it
// and where to read on. Every topic lives under docs/.
const readmeMaxLines = 250

// TestReadmeShort checks that README.md stays under readmeMaxLines lines.
func TestReadmeShort(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n >= readmeMaxLines {
		t.Errorf("README.md has %d lines, want fewer than %d: move the topic to a page under docs/", n, readmeMaxLines)
	}
}

// TestDocsIndex checks that docs/README.md links every page of docs/.
func TestDocsIndex(t *testing.T) {
	index, err := os.ReadFile("docs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, l := range markdownLinks(string(index)) {
		target, _, _ := strings.Cut(l.target, "#")
		linked[path.Clean(target)] = true
	}
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 10 {
		t.Fatalf("docs/*.md: %d pages, want the whole documentation", len(pages))
	}
	for _, p := range pages {
		name := filepath.Base(p)
		if name != "README.md" && !linked[name] {
			t.Errorf("docs/README.md does not link %s", name)
		}
	}
}

// TestDocsLinks checks every relative link of README.md and docs/**/*.md: the
// file it names exists and, in a markdown file, so does the heading its
// #anchor names (GitHub's slugs).
func TestDocsLinks(t *testing.T) {
	files := []string{"README.md"}
	err := filepath.WalkDir("docs", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string][]string{} // file → its headings' anchors
	anchorsOf := func(file string) []string {
		if a, ok := anchors[file]; ok {
			return a
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		anchors[file] = headingAnchors(string(b))
		return anchors[file]
	}
	checked := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range markdownLinks(string(b)) {
			if strings.Contains(l.target, ":") || strings.HasPrefix(l.target, "//") {
				continue // a URL with a scheme: not ours to check
			}
			checked++
			target, anchor, _ := strings.Cut(l.target, "#")
			dest := file
			if target != "" {
				dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(target))
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s:%d: link %q: no file %s", file, l.line, l.target, dest)
					continue
				}
			}
			if anchor == "" || !strings.HasSuffix(dest, ".md") {
				continue
			}
			if !slices.Contains(anchorsOf(dest), anchor) {
				t.Errorf("%s:%d: link %q: %s has no heading #%s", file, l.line, l.target, dest, anchor)
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked %d relative links, want the documentation's (is the link reader broken?)", checked)
	}
}

// A link is one inline link or image of a markdown file.
type link struct {
	target string
	line   int
}

var linkPattern = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)

// markdownLinks returns the inline links of a markdown document, leaving out
// those in code blocks and code spans.
func markdownLinks(doc string) []link {
	var links []link
	for i, line := range proseLines(doc) {
		for _, m := range linkPattern.FindAllStringSubmatch(stripCodeSpans(line), -1) {
			links = append(links, link{target: m[1], line: i + 1})
		}
	}
	return links
}

// proseLines returns the lines of doc with those inside fenced code blocks
// blanked, so that line numbers stay right.
func proseLines(doc string) []string {
	lines := strings.Split(doc, "\n")
	fence := ""
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			lines[i] = ""
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			lines[i] = ""
		}
	}
	return lines
}

// stripCodeSpans removes the `code spans` of a line.
func stripCodeSpans(line string) string {
	var b strings.Builder
	for {
		start := strings.IndexByte(line, '`')
		if start < 0 {
			b.WriteString(line)
			return b.String()
		}
		n := len(line[start:]) - len(strings.TrimLeft(line[start:], "`"))
		end := strings.Index(line[start+n:], line[start:start+n])
		if end < 0 {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:start])
		line = line[start+n+end+n:]
	}
}

// headingAnchors returns the anchors GitHub gives the ATX headings of doc, in
// order, numbering repeats as it does (name, name-1, name-2).
func headingAnchors(doc string) []string {
	var anchors []string
	seen := map[string]int{}
	for _, line := range proseLines(doc) {
		text, ok := headingText(line)
		if !ok {
			continue
		}
		slug := githubSlug(text)
		if n := seen[slug]; n > 0 {
			seen[slug]++
			slug = fmt.Sprintf("%s-%d", slug, n)
		} else {
			seen[slug] = 1
		}
		anchors = append(anchors, slug)
	}
	return anchors
}

// headingText returns the text of an ATX heading ("## Text ##"), as rendered:
// links become their text.
func headingText(line string) (string, bool) {
	trimmed := strings.TrimLeft(line, "#")
	level := len(line) - len(trimmed)
	if level < 1 || level > 6 || strings.HasPrefix(line, " ") || (trimmed != "" && trimmed[0] != ' ') {
		return "", false
	}
	text := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(trimmed), "#"))
	return linkPattern.ReplaceAllStringFunc(text, func(m string) string {
		return m[strings.IndexByte(m, '[')+1 : strings.IndexByte(m, ']')]
	}), true
}

// githubSlug is the anchor GitHub makes of a heading's text: lower case,
// punctuation and symbols removed (letters, marks, digits, "_" and "-" stay),
// each space a hyphen.
func githubSlug(text string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-', unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.Pc):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestGithubSlug pins the slug rules the link check relies on.
func TestGithubSlug(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"Sign-in with Entra ID", "sign-in-with-entra-id"},
		{"The customer's setup pages", "the-customers-setup-pages"},
		{"`roster tenant create`", "roster-tenant-create"},
		{"Users & groups — at once", "users--groups--at-once"},
		{"snake_case 2.0", "snake_case-20"},
		{"See [the log](x.md)", "see-the-log"},
	} {
		text, ok := headingText("## " + tc.heading)
		if got := githubSlug(text); !ok || got != tc.want {
			t.Errorf("githubSlug(%q) = %q, want %q", tc.heading, got, tc.want)
		}
	}
	got := headingAnchors("# A\n## A\n```\n# A\n```\n### A\n")
	if want := []string{"a", "a-1", "a-2"}; !slices.Equal(got, want) {
		t.Errorf("headingAnchors = %v, want %v", got, want)
	}
}
