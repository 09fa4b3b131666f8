package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/cli.md from the commands' help")

// cliReferencePath is the CLI reference, generated from the commands' help.
const cliReferencePath = "../../docs/cli.md"

// TestCLIReference keeps docs/cli.md what the commands' help prints: roster's
// usage, then every command and subcommand of commandDocs, in its order, as
// "roster COMMAND --help" prints it with no ROSTER_* variable set.
func TestCLIReference(t *testing.T) {
	got := cliReference(t)
	if *update {
		if err := os.WriteFile(cliReferencePath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(cliReferencePath)
	if err != nil {
		t.Fatalf("%v: run go test ./cmd/roster -run TestCLIReference -update", err)
	}
	if string(want) != got {
		wantLines, gotLines := strings.Split(string(want), "\n"), strings.Split(got, "\n")
		i := 0
		for i < min(len(wantLines), len(gotLines)) && wantLines[i] == gotLines[i] {
			i++
		}
		t.Fatalf("docs/cli.md differs from the commands' help from line %d:\n  docs/cli.md: %q\n  help:        %q\n"+
			"run go test ./cmd/roster -run TestCLIReference -update, and review the diff",
			i+1, lineAt(wantLines, i), lineAt(gotLines, i))
	}
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// cliReference renders docs/cli.md from the help each command prints.
func cliReference(t *testing.T) string {
	t.Helper()
	help := func(args ...string) string {
		t.Helper()
		var stdout, stderr strings.Builder
		err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
		if err != nil || stderr.Len() != 0 {
			t.Fatalf("roster %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String()
	}
	var b strings.Builder
	b.WriteString("# The roster command line\n\n" +
		"Every command of `roster`, with its arguments, flags and an example, as `roster COMMAND --help`\n" +
		"prints it. This page is generated from the commands' help (`cmd/roster/help.go`):\n" +
		"`go test ./cmd/roster -run TestCLIReference -update`.\n\n" +
		"The commands that open the database take `--db` (env `ROSTER_DB`) and work while the server\n" +
		"runs. Every flag of `roster serve` has a `ROSTER_*` variable: [operations.md](operations.md#configuration)\n" +
		"lists them with their defaults, and says more of each command.\n\n")
	docs := commandDocs()
	for _, d := range docs {
		if !strings.Contains(d.path, " ") {
			fmt.Fprintf(&b, "- [roster %s](#roster-%s)\n", d.path, d.path)
		}
	}
	fmt.Fprintf(&b, "\n## roster\n\n```text\n%s```\n", help("help"))
	for _, d := range docs {
		level := "##"
		if strings.Contains(d.path, " ") {
			level = "###"
		}
		args := append(strings.Fields(d.path), "--help")
		fmt.Fprintf(&b, "\n%s roster %s\n\n```text\n%s```\n", level, d.path, help(args...))
	}
	return b.String()
}

// TestCommandDocsInTree checks that every command commandDocs documents is
// one run dispatches, so that the reference lists no command roster lacks.
func TestCommandDocsInTree(t *testing.T) {
	tree := commandTree(t)
	for _, d := range commandDocs() {
		cmd, sub, _ := strings.Cut(d.path, " ")
		subs, ok := tree[cmd]
		if !ok || sub != "" && !slices.Contains(subs, sub) {
			t.Errorf("commandDocs documents roster %s, which run does not dispatch", d.path)
		}
	}
}
