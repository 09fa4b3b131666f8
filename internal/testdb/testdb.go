// Package testdb gives tests throw-away databases: a fresh SQLite file in the
// test's temporary directory, or a fresh PostgreSQL database on the server named
// by ROSTER_TEST_POSTGRES, each removed when the test ends.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the environment variable holding the URL of a PostgreSQL
// database the tests may use to create and drop their own databases.
const PostgresEnv = "ROSTER_TEST_POSTGRES"

// SQLitePath returns the name of a database file that does not exist yet, in a
// directory of t's that is removed when the test and its subtests finish.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "roster.db")
}

// PostgresURL returns the admin URL from ROSTER_TEST_POSTGRES, or skips t (saying
// so) when it is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		t.Skipf("PostgreSQL tests skipped: %s is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)", PostgresEnv)
	}
	return admin
}

// Postgres creates an empty database on the server of ROSTER_TEST_POSTGRES and
// returns its URL; the database is dropped when t and its subtests finish. It
// skips t when the variable is not set, and fails t when the server cannot be reached.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := PostgresURL(t)
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "roster_test_" + hex.EncodeToString(b[:])
	exec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { exec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u.Path = "/" + name
	return u.String()
}

// exec runs one statement on a short-lived connection to the admin database.
func exec(t testing.TB, admin, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", redact(admin), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// redact drops the password from a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return strings.Replace(u.Redacted(), "xxxxx", "…", 1)
}

// Clock returns a fake clock that moves forward by a little over a millisecond
// on every call, so that creation order is time order in a store under test.
func Clock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond + time.Microsecond)
		return now
	}
}
