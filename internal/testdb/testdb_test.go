package testdb

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSQLitePath(t *testing.T) {
	a, b := SQLitePath(t), SQLitePath(t)
	if a == b {
		t.Fatalf("SQLitePath returned %q twice", a)
	}
	if _, err := os.Stat(a); !os.IsNotExist(err) {
		t.Fatalf("os.Stat(%q) = %v, want a missing file", a, err)
	}
	if _, err := os.Stat(filepath.Dir(a)); err != nil {
		t.Fatalf("the directory of %q: %v", a, err)
	}
}

func TestPostgres(t *testing.T) {
	a := Postgres(t)
	b := Postgres(t)
	if a == b {
		t.Fatalf("Postgres returned %q twice", a)
	}
	exec(t, a, "CREATE TABLE x (id int)")
	exec(t, b, "CREATE TABLE x (id int)") // a separate database: no clash
}
