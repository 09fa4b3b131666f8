package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestGitignoreCoversDatabaseFiles starts roster serve on a SQLite database
// in an empty directory, lists every file it created there, and asks git
// whether the repository's .gitignore ignores each, for a database at the
// top of a checkout and in a folder of it.
func TestGitignoreCoversDatabaseFiles(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed: cannot ask git check-ignore")
	}
	ignore, err := os.ReadFile("../../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := startServer(t, "sqlite:"+filepath.Join(dir, "roster.db"))
	s.do(t, "GET", "/Users", "").want(t, 200)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var created []string
	for _, e := range entries {
		created = append(created, e.Name())
	}
	s.stop()
	for _, want := range []string{"roster.db", "roster.db-wal", "roster.db-shm", "roster-log.db", "roster-log.db-wal", "roster.db.key"} {
		if !slices.Contains(created, want) {
			t.Errorf("roster serve created %v, no %s: the test no longer sees what it should", created, want)
		}
	}

	repo := t.TempDir()
	if out, err := exec.Command(git, "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(repo, ".gitignore"), ignore, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range created {
		for _, path := range []string{name, filepath.Join("data", name)} {
			// check-ignore exits 0 when the path is ignored, 1 when it is not.
			cmd := exec.Command(git, "-C", repo, "check-ignore", "--no-index", "-q", "--", path)
			if err := cmd.Run(); err != nil {
				t.Errorf("git check-ignore %s: %v: .gitignore does not cover a file roster serve creates", path, err)
			}
		}
	}
}
