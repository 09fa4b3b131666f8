package sqlcheck

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/rosterhq/roster/scim/filter"
)

const sqliteSchema = `
CREATE TABLE users (
	tenant_id TEXT NOT NULL, id TEXT NOT NULL,
	user_name TEXT NOT NULL COLLATE NOCASE, external_id TEXT, display_name TEXT COLLATE NOCASE,
	active INTEGER NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL, doc TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id));
CREATE TABLE user_emails (tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, value TEXT, type TEXT, is_primary INTEGER);
CREATE TABLE groups (
	tenant_id TEXT NOT NULL, id TEXT NOT NULL, display_name TEXT NOT NULL COLLATE NOCASE, external_id TEXT,
	created TEXT NOT NULL, modified TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE group_members (tenant_id TEXT NOT NULL, group_id TEXT NOT NULL, member_id TEXT NOT NULL);
`

// openSQLite returns a SQLite file in t's temporary directory holding rows, laid out as
// the SQLite store lays out users and groups.
func openSQLite(t *testing.T, rows []row) database {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "check.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(sqliteSchema); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		q := "INSERT INTO " + r.table + " VALUES (?" + strings.Repeat(", ?", len(r.vals)-1) + ")"
		if _, err := db.Exec(q, r.vals...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return database{dialect: filter.SQLite, tenant: "?1", ids: func(q string, args []any) ([]string, error) {
		return sqliteIDs(db, q, args)
	}}
}

func sqliteIDs(db *sql.DB, q string, args []any) ([]string, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
