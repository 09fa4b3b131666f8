package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// runVersion prints what Go recorded in the binary when it was built: the
// module's version, the commit and its time, and the toolchain.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("version: unexpected argument %q", pos[0])
	}
	bi, _ := debug.ReadBuildInfo()
	_, err = io.WriteString(stdout, versionText(bi))
	return err
}

// versionText describes the build bi (nil: none recorded). A version Go could
// not tell is "(devel)", as Go itself prints it; a commit or time it could
// not tell is "unknown". The time is the commit's: Go records no build time,
// so that the same source builds the same binary.
func versionText(bi *debug.BuildInfo) string {
	version, goVersion := "(devel)", "unknown"
	set := map[string]string{}
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			set[s.Key] = s.Value
		}
	}
	or := func(key, unknown string) string {
		if v := set[key]; v != "" {
			return v
		}
		return unknown
	}
	modified := ""
	if set["vcs.modified"] == "true" {
		modified = " (modified: built with uncommitted changes)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "roster %s\n", version)
	fmt.Fprintf(&b, "commit: %s%s\n", or("vcs.revision", "unknown"), modified)
	fmt.Fprintf(&b, "time:   %s (the commit's)\n", or("vcs.time", "unknown"))
	fmt.Fprintf(&b, "go:     %s", goVersion)
	if set["GOOS"] != "" {
		fmt.Fprintf(&b, " %s/%s", set["GOOS"], set["GOARCH"])
	}
	if set["CGO_ENABLED"] != "" {
		fmt.Fprintf(&b, ", CGO_ENABLED=%s", set["CGO_ENABLED"])
	}
	b.WriteString("\n")
	return b.String()
}
