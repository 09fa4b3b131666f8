package sqlcheck

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/scim/filter"
)

const postgresSchema = `
CREATE TABLE users (
	tenant_id text NOT NULL, id text NOT NULL, user_name text NOT NULL, external_id text, display_name text,
	active boolean NOT NULL, created text NOT NULL, modified text NOT NULL, doc jsonb NOT NULL,
	PRIMARY KEY (tenant_id, id));
CREATE TABLE user_emails (tenant_id text NOT NULL, user_id text NOT NULL, value text, type text, is_primary boolean);
CREATE TABLE groups (
	tenant_id text NOT NULL, id text NOT NULL, display_name text NOT NULL, external_id text,
	created text NOT NULL, modified text NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE group_members (tenant_id text NOT NULL, group_id text NOT NULL, member_id text NOT NULL);
`

// openPostgres returns a fresh database on the server of ROSTER_TEST_POSTGRES holding
// rows, laid out as the PostgreSQL store lays out users and groups. It skips t when
// the variable is not set.
func openPostgres(t *testing.T, rows []row) database {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, testdb.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	var ctype string
	if err := conn.QueryRow(ctx, "SELECT datctype FROM pg_database WHERE datname = current_database()").Scan(&ctype); err != nil {
		t.Fatal(err)
	}
	t.Logf("database LC_CTYPE %s: lower() and ILIKE fold letters by it", ctype)
	if _, err := conn.Exec(ctx, postgresSchema); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		params := make([]string, len(r.vals))
		for i := range params {
			params[i] = "$" + strconv.Itoa(i+1)
		}
		q := "INSERT INTO " + r.table + " VALUES (" + strings.Join(params, ", ") + ")"
		if _, err := conn.Exec(ctx, q, r.vals...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return database{dialect: filter.Postgres, tenant: "$1", ids: func(q string, args []any) ([]string, error) {
		ids, err := conn.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(ids, pgx.RowTo[string])
	}}
}
