package main

import (
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionText prints the version of builds as Go records them: from a
// tagged module, from a checkout with changes, and with nothing recorded.
func TestVersionText(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{
			name: "go install of a tag",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/rosterhq/roster", Version: "v1.4.0"},
				Settings: []debug.BuildSetting{{Key: "CGO_ENABLED", Value: "0"}, {Key: "GOARCH", Value: "arm64"}, {Key: "GOOS", Value: "linux"},
					{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.time", Value: "2025-12-01T10:00:00Z"},
					{Key: "vcs.modified", Value: "false"}}},
			want: "roster v1.4.0\ncommit: 0123456789abcdef0123456789abcdef01234567\ntime:   2025-12-01T10:00:00Z (the commit's)\n" +
				"go:     go1.26.8 linux/arm64, CGO_ENABLED=0\n",
		},
		{
			name: "a checkout with changes",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/rosterhq/roster", Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "cd75cf0"}, {Key: "vcs.time", Value: "2025-12-07T06:18:00Z"},
					{Key: "vcs.modified", Value: "true"}}},
			want: "roster (devel)\ncommit: cd75cf0 (modified: built with uncommitted changes)\ntime:   2025-12-07T06:18:00Z (the commit's)\ngo:     go1.26.8\n",
		},
		{
			name: "nothing recorded",
			bi:   nil,
			want: "roster (devel)\ncommit: unknown\ntime:   unknown (the commit's)\ngo:     unknown\n",
		},
		{
			name: "no version, no VCS",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8"},
			want: "roster (devel)\ncommit: unknown\ntime:   unknown (the commit's)\ngo:     go1.26.8\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionText(tc.bi); got != tc.want {
				t.Errorf("versionText() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestVersionCommand runs roster version and roster --version: the first line
// names the version, on stdout, and nothing opens a database.
func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var stdout, stderr strings.Builder
		if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatalf("roster %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), "roster ") || !strings.Contains(stdout.String(), "\ncommit: ") {
			t.Errorf("roster %s printed %q, want roster VERSION, then the commit", strings.Join(args, " "), stdout.String())
		}
	}
}
