// Package testdb gives tests throw-away databases: a fresh SQLite file in the
// test's temporary directory, removed when the test ends.
package testdb

import (
	"path/filepath"
	"testing"
)

// SQLitePath returns the name of a database file that does not exist yet, in a
// directory of t's that is removed when the test and its subtests finish.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "roster.db")
}
