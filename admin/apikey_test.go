package admin_test

import (
	"strings"
	"testing"
)

// TestAPIKeys creates a key for one tenant (named by name) and one for every
// tenant, lists them with their tenants' names and without hashes, revokes
// one, and checks the audit rows: one per change, the key by id and prefix,
// never its secret.
func TestAPIKeys(t *testing.T) {
	svc, db, ctx := newService(t)
	acme := mustTenant(t, svc, ctx, "acme")

	_, _, err := svc.CreateAPIKey(ctx, "nope", "app", "")
	wantCode(t, `CreateAPIKey("nope")`, err, "not_found")
	secret, scoped, err := svc.CreateAPIKey(ctx, "acme", "app", "")
	if err != nil {
		t.Fatalf("CreateAPIKey(acme) = %v", err)
	}
	if !strings.HasPrefix(secret, scoped.Prefix) || scoped.TenantID != acme.ID || scoped.Tenant != "acme" || scoped.Name != "app" || scoped.Hash != nil {
		t.Errorf("CreateAPIKey(acme) = %q, %+v; want a secret starting with the prefix, tenant acme, no hash", secret, scoped.APIKey)
	}
	globalSecret, global, err := svc.CreateAPIKey(ctx, "", "ops", "")
	if err != nil {
		t.Fatalf("CreateAPIKey(every tenant) = %v", err)
	}
	if global.TenantID != "" || global.Tenant != "" {
		t.Errorf("CreateAPIKey(every tenant) = %+v, tenant %q; want none", global.APIKey, global.Tenant)
	}

	ks, err := svc.APIKeys(ctx)
	if err != nil || len(ks) != 2 {
		t.Fatalf("APIKeys = %d keys, %v; want 2", len(ks), err)
	}
	for _, k := range ks {
		want := map[string]string{scoped.ID: "acme", global.ID: ""}[k.ID]
		if k.Tenant != want || k.Hash != nil {
			t.Errorf("APIKeys: key %s tenant %q, hash %x; want tenant %q, no hash", k.ID, k.Tenant, k.Hash, want)
		}
	}

	wantCode(t, `RevokeAPIKey("nope")`, svc.RevokeAPIKey(ctx, "nope"), "not_found")
	if err := svc.RevokeAPIKey(ctx, scoped.ID); err != nil {
		t.Fatalf("RevokeAPIKey = %v", err)
	}
	if k, err := db.APIKey(ctx, scoped.ID); err != nil || k.Revoked.IsZero() {
		t.Errorf("after RevokeAPIKey: %+v, %v; want revoked", k, err)
	}

	rows := auditRows(t, svc, ctx, "apikey.")
	want := []struct{ action, target, tenant string }{
		{"apikey.create", scoped.ID, "acme"},
		{"apikey.create", global.ID, ""},
		{"apikey.revoke", scoped.ID, "acme"},
	}
	if len(rows) != len(want) {
		t.Fatalf("audit: %d apikey rows, want %d", len(rows), len(want))
	}
	for i, e := range rows {
		w := want[i]
		if e.Action != w.action || e.Target != w.target || e.Tenant != w.tenant || e.Actor != testActor.String() {
			t.Errorf("audit row %d = %s %s tenant %q by %s; want %s %s tenant %q by %s", i, e.Action, e.Target, e.Tenant, e.Actor, w.action, w.target, w.tenant, testActor)
		}
		doc := string(e.Before) + string(e.After)
		prefix := map[string]string{scoped.ID: scoped.Prefix, global.ID: global.Prefix}[e.Target]
		if !strings.Contains(doc, prefix) || !strings.Contains(doc, e.Target) {
			t.Errorf("audit row %d %s: want the key's id and prefix", i, doc)
		}
		for _, s := range []string{secret, globalSecret} {
			if strings.Contains(doc, s[len(prefix):]) || strings.Contains(doc, "hash") {
				t.Errorf("audit row %d shows a secret or hash: %s", i, doc)
			}
		}
	}
}
