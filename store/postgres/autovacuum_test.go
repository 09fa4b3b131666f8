package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/scim/filter"
)

// TestNewTenantPlansWithAutovacuum checks, on a PostgreSQL server of the
// test's own with autovacuum on (its default), that a server's store analyses
// the users table that a new tenant's first sync fills, without waiting for
// autovacuum (which looks at it once a minute at best), so that Entra's
// userName lookup is planned on the userName index.
func TestNewTenantPlansWithAutovacuum(t *testing.T) {
	ctx := context.Background()
	cluster := testdb.NewCluster(t)
	db, err := Open(ctx, cluster.URL(), Options{Clock: time.Now, Analyze: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var autovacuum string
	if err := db.pool.QueryRow(ctx, `SELECT current_setting('autovacuum')`).Scan(&autovacuum); err != nil || autovacuum != "on" {
		t.Fatalf("autovacuum = %q, %v; the test needs it on", autovacuum, err)
	}
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		name := fmt.Sprintf("user%d@example.com", i)
		if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: name, Active: true, Doc: map[string]any{"userName": name}}); err != nil {
			t.Fatal(err)
		}
	}
	// last_analyze is set by an ANALYZE command (the store's), never by
	// autovacuum, which sets last_autoanalyze.
	analysed := false
	for deadline := time.Now().Add(time.Minute); !analysed && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := db.pool.QueryRow(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'users'`).Scan(&analysed); err != nil {
			t.Fatal(err)
		}
	}
	if !analysed {
		t.Fatal("the users table was not analysed after 1,000 creates with autovacuum on")
	}
	e, err := filter.Parse(`userName eq "user17@example.com"`)
	if err != nil {
		t.Fatal(err)
	}
	q := roster.Query{Filter: e, Resolve: func(filter.AttrPath) (filter.Attr, bool) { return filter.Attr{Type: filter.String}, true }}
	where, args, err := userMapping.where(q)
	if err != nil {
		t.Fatal(err)
	}
	args = append([]any{tn.ID}, args...)
	order, pageArgs := userMapping.orderBy(q, args)
	page := `SELECT r.* FROM users r WHERE r.tenant_id = $1 AND (` + where + `) ORDER BY ` + order + ` LIMIT 10`
	if plan := explain(t, db, page, pageArgs); !strings.Contains(plan, "users_user_name") {
		t.Errorf("plan of Entra's userName lookup:\n%s\nwant a scan of users_user_name", plan)
	}
}
