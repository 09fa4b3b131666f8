package admin_test

import "testing"

// TestRevokeTenantToken revokes a token through the tenant it belongs to, and
// finds no token when another tenant names it: a page scoped to one tenant
// cannot revoke another's.
func TestRevokeTenantToken(t *testing.T) {
	svc, db, ctx := newService(t)
	mustTenant(t, svc, ctx, "acme")
	mustTenant(t, svc, ctx, "globex")
	_, tok, err := svc.CreateToken(ctx, "acme", "entra", 0)
	if err != nil {
		t.Fatalf("CreateToken(acme) = %v", err)
	}

	wantCode(t, `RevokeTenantToken("globex", acme's token)`, svc.RevokeTenantToken(ctx, "globex", tok.ID), "not_found")
	wantCode(t, `RevokeTenantToken("nope", acme's token)`, svc.RevokeTenantToken(ctx, "nope", tok.ID), "not_found")
	wantCode(t, `RevokeTenantToken("acme", "nope")`, svc.RevokeTenantToken(ctx, "acme", "nope"), "not_found")
	if k, err := db.Token(ctx, tok.ID); err != nil || !k.Revoked.IsZero() {
		t.Fatalf("after refused revokes: %+v, %v; want the token live", k, err)
	}

	if err := svc.RevokeTenantToken(ctx, "acme", tok.ID); err != nil {
		t.Fatalf("RevokeTenantToken(acme) = %v", err)
	}
	if k, err := db.Token(ctx, tok.ID); err != nil || k.Revoked.IsZero() {
		t.Errorf("after RevokeTenantToken: %+v, %v; want revoked", k, err)
	}
	rows := auditRows(t, svc, ctx, "token.revoke")
	if len(rows) != 1 || rows[0].Target != tok.ID {
		t.Errorf("audit: %d token.revoke rows, want 1 naming %s", len(rows), tok.ID)
	}
}
