package admin_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// testActor is who performs the operations of these tests.
var testActor = admin.Actor{Kind: "cli", Name: "test"}

// newService returns a Service over a fresh SQLite store, the store, and a
// context naming testActor.
func newService(t *testing.T) (*admin.Service, *sqlite.DB, context.Context) {
	t.Helper()
	ctx := admin.WithActor(context.Background(), testActor)
	db, err := sqlite.Open(ctx, testdb.SQLitePath(t), sqlite.Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return admin.New(db, testdb.Clock(), slog.New(slog.DiscardHandler)), db, ctx
}

// mustTenant creates the tenant name.
func mustTenant(t *testing.T, svc *admin.Service, ctx context.Context, name string) *roster.Tenant {
	t.Helper()
	tn, err := svc.CreateTenant(ctx, name, "")
	if err != nil {
		t.Fatalf("CreateTenant(%q) = %v", name, err)
	}
	return tn
}

// auditRows returns the audit rows whose action starts with prefix, oldest first.
func auditRows(t *testing.T, svc *admin.Service, ctx context.Context, prefix string) []*roster.AuditEntry {
	t.Helper()
	es, err := svc.Audit(ctx, "", admin.MaxAuditLimit)
	if err != nil {
		t.Fatalf("Audit = %v", err)
	}
	var rows []*roster.AuditEntry
	for i := len(es) - 1; i >= 0; i-- {
		if strings.HasPrefix(es[i].Action, prefix) {
			rows = append(rows, es[i])
		}
	}
	return rows
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := roster.ErrorCode(err); got != code {
		t.Errorf("%s = %v (%s), want %s", what, err, got, code)
	}
}
