package admin_test

import (
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// TestClients registers OAuth clients with their rules — at least one
// redirect URI, each one roster.CheckRedirectURI admits for the client's
// kind — lists and revokes them; the audit trail never holds a secret or hash.
func TestClients(t *testing.T) {
	ctx, svc, _ := newSealedService(t)
	for _, c := range []struct {
		name   string
		uris   []string
		public bool
	}{
		{"none", nil, false},
		{"plain http", []string{"http://app.example.com/cb"}, false},
		{"fragment", []string{"https://app.example.com/cb#x"}, false},
		{"relative", []string{"/cb"}, false},
		{"one bad of two", []string{"https://app.example.com/cb", "http://app.example.com/cb"}, false},
		{"own scheme, confidential", []string{"com.example.app:/cb"}, false},
		{"own scheme not reversed", []string{"myapp:/cb"}, true},
	} {
		if _, _, err := svc.CreateClient(ctx, c.name, c.uris, c.public); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("CreateClient(%s) = %v, want EINVALID", c.name, err)
		}
	}
	skip := len(auditSince(t, ctx, svc, 0))

	secret, web, err := svc.CreateClient(ctx, "web", []string{"https://app.example.com/cb", "http://127.0.0.1:8000/cb"}, false)
	if err != nil {
		t.Fatalf("CreateClient(web) = %v", err)
	}
	if !strings.HasPrefix(secret, "rsc_") || !web.Matches(secret) || web.ID == "" {
		t.Errorf("CreateClient(web): secret %.4q…, matches %t, id %q", secret, web.Matches(secret), web.ID)
	}
	none, native, err := svc.CreateClient(ctx, "native", []string{"com.example.app:/cb", "http://127.0.0.1/cb"}, true)
	if err != nil || none != "" || !native.Public || len(native.Hash) != 0 {
		t.Fatalf("CreateClient(native) = secret %q, %+v, %v; want a public client without a secret", none, native, err)
	}
	cs, err := svc.Clients(ctx)
	if err != nil || len(cs) != 2 {
		t.Fatalf("Clients = %d, %v; want 2", len(cs), err)
	}
	if err := svc.RevokeClient(ctx, web.ID); err != nil {
		t.Fatalf("RevokeClient = %v", err)
	}
	if err := svc.RevokeClient(ctx, "nope"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RevokeClient(unknown) = %v, want ENOTFOUND", err)
	}
	cs, _ = svc.Clients(ctx)
	for _, c := range cs {
		if revoked := !c.Revoked.IsZero(); revoked != (c.ID == web.ID) {
			t.Errorf("client %s revoked %t", c.Name, revoked)
		}
	}

	es := auditSince(t, ctx, svc, skip, secret, string(web.Hash))
	if got, want := actions(es), "client.create client.create client.revoke"; got != want {
		t.Fatalf("audit actions = %s, want %s", got, want)
	}
	if es[0].Target != web.ID || field(t, es[0].After, "public") != "false" || !strings.Contains(string(es[0].After), "https://app.example.com/cb") ||
		strings.Contains(string(es[0].After), "hash") || es[0].Tenant != "" {
		t.Errorf("client.create row: target %s after %s tenant %q", es[0].Target, es[0].After, es[0].Tenant)
	}
	if es[2].Target != web.ID || field(t, es[2].Before, "name") != "web" || es[2].After != nil {
		t.Errorf("client.revoke row: target %s before %s after %s", es[2].Target, es[2].Before, es[2].After)
	}
}
