package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// TestTenantStatsPlans checks that a tenant's figures are read from indexes:
// no table is scanned (a tenant's users, groups, tokens, chunks are searched
// by its id), and the log's figures never read a chunk's row, whose data
// comes before the summary.
func TestTenantStatsPlans(t *testing.T) {
	db := openInternal(t)
	for _, tc := range []struct {
		name  string
		conn  *sql.DB
		query string
		args  []any
	}{
		{"counts", db.read, tenantCountsQuery, []any{`["a","b"]`}},
		{"log", db.logr, logStatsQuery, []any{`["a","b"]`, "2026-01-01"}},
	} {
		rows, err := tc.conn.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "VIRTUAL TABLE") ||
				strings.Contains(step, "log_chunks") && !strings.Contains(step, "COVERING INDEX") {
				t.Errorf("%s: plan step %q; the whole plan:\n%s", tc.name, step, strings.Join(plan, "\n"))
			}
		}
	}
}
