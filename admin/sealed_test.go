package admin_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/store/sqlite"
)

// newSealedService returns a service over a fresh SQLite store, sealing with a
// fresh key, with tenant "acme", and a context naming a test actor.
func newSealedService(t *testing.T) (context.Context, *admin.Service, roster.Store) {
	t.Helper()
	ctx := admin.WithActor(context.Background(), admin.Actor{Kind: "cli", Name: "test"})
	st, err := sqlite.Open(ctx, testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := sso.ParseKey(sso.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := sso.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	svc := admin.New(st, time.Now, slog.New(slog.DiscardHandler)).WithSealer(sealer)
	if _, err := svc.CreateTenant(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	return ctx, svc, st
}

// auditSince returns the audit rows after the first skip, oldest first, and
// fails t when one holds any of secrets.
func auditSince(t *testing.T, ctx context.Context, svc *admin.Service, skip int, secrets ...string) []*roster.AuditEntry {
	t.Helper()
	es, err := svc.Audit(ctx, "", admin.MaxAuditLimit)
	if err != nil {
		t.Fatal(err)
	}
	var out []*roster.AuditEntry
	for i := len(es) - 1 - skip; i >= 0; i-- {
		e := es[i]
		for _, s := range secrets {
			if s != "" && strings.Contains(string(e.Before)+string(e.After), s) {
				t.Errorf("audit row %s holds a secret (%.12q…): %s %s", e.Action, s, e.Before, e.After)
			}
		}
		out = append(out, e)
	}
	return out
}

// actions returns the actions of es, space-separated.
func actions(es []*roster.AuditEntry) string {
	var a []string
	for _, e := range es {
		a = append(a, e.Action)
	}
	return strings.Join(a, " ")
}

// field returns the top-level field of an audit row's JSON, "" when absent.
func field(t *testing.T, doc json.RawMessage, name string) string {
	t.Helper()
	if doc == nil {
		return ""
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("audit JSON %s: %v", doc, err)
	}
	v, ok := m[name]
	if !ok {
		return ""
	}
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}
