package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/migration"
)

// Pending returns, in order, the versions of the migrations this program
// carries that the database file at path or its provisioning log's file
// lacks, without applying any and without creating either file (roster
// migrate and roster serve apply them). A missing log file lacks every
// migration of the log. ENOTFOUND when there is no file at path; EINVALID
// for what Open refuses as a file name.
func Pending(ctx context.Context, path string) ([]int64, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") || strings.Contains(path, ":memory:") {
		return nil, roster.Errorf(roster.EINVALID, "sqlite: pending migrations: %q is not a database file name", path)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, roster.Errorf(roster.ENOTFOUND, "sqlite: no database file %s", path)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: pending migrations: %w", err)
	}
	pending, err := pendingIn(ctx, path, migrations, "migrations")
	if err != nil {
		return nil, err
	}
	logPending, err := pendingIn(ctx, LogFile(path), logMigrations, "logmigrations")
	if err != nil {
		return nil, err
	}
	return append(pending, logPending...), nil
}

// pendingIn returns the versions of the migrations of dir in fsys that the
// file lacks; all of them when the file does not exist. It reads the file on
// a query_only connection.
func pendingIn(ctx context.Context, file string, fsys fs.FS, dir string) ([]int64, error) {
	carried, err := migration.Versions(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending migrations: %w", err)
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return carried, nil
	}
	conn, err := sql.Open("sqlite", file+fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=query_only(1)", busyTimeout.Milliseconds()))
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending migrations: %w", err)
	}
	defer conn.Close()
	var tables int
	if err := conn.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`).Scan(&tables); err != nil {
		return nil, fmt.Errorf("sqlite: pending migrations: %w", err)
	}
	if tables == 0 {
		return carried, nil
	}
	rows, err := conn.QueryContext(ctx, `SELECT version_id FROM goose_db_version WHERE is_applied`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending migrations: %w", err)
	}
	applied, err := versionSet(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending migrations: %w", err)
	}
	return migration.Missing(carried, applied), nil
}

// versionSet reads a column of versions into a set and closes rows.
func versionSet(rows *sql.Rows) (map[int64]bool, error) {
	defer rows.Close()
	set := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		set[v] = true
	}
	return set, rows.Err()
}
