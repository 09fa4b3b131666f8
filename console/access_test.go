package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func TestAccess(t *testing.T) { forEachStore(t, testAccess) }

// testAccess creates and revokes API keys and OAuth clients on the App
// access page: each secret shown once, on the answer to its creation;
// refused forms keep what was typed; one audit row per change, by the
// operator, never a secret.
func testAccess(t *testing.T, db store) {
	f := newFixture(t, db)
	ada := f.signIn(t, adminEmail)
	path := Prefix + "/access"

	a := ada.get(path).want(t, http.StatusOK)
	if got := a.testid("api-key-tenant"); got != "acme" {
		t.Errorf("the fixture's key reads %q, want acme", got)
	}
	if !strings.Contains(a.body, `href="/console/access" aria-current="page"`) {
		t.Error("the App access nav item is not current")
	}

	// API keys.
	a = ada.post(path+"/keys", url.Values{"name": {"Billing"}, "tenant": {"nope"}}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(a.testid("key-error"), "nope") || !strings.Contains(a.body, `value="Billing"`) || !strings.Contains(a.body, `value="nope"`) {
		t.Errorf("a key for no tenant: error %q, or lost what was typed", a.testid("key-error"))
	}
	a = ada.post(path+"/keys", url.Values{"name": {"Billing"}, "tenant": {"acme"}}).want(t, http.StatusOK)
	keySecret := a.testid("new-api-key")
	if !strings.HasPrefix(keySecret, "rak_") || !strings.Contains(a.body, `data-copy="new-api-key"`) || a.testid("new-api-key-scope") != "API key Billing created; it reads tenant acme." {
		t.Fatalf("the new key's page shows %q", keySecret)
	}
	if got := a.testid("api-key-scope"); got != "read" {
		t.Errorf("a key made without a scope is listed as %q, want read", got)
	}
	a = ada.post(path+"/keys", url.Values{"name": {"Sync"}, "tenant": {"acme"}, "scope": {"admin"}}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(a.testid("key-error"), "want read or write") || !strings.Contains(a.body, `value="Sync"`) {
		t.Errorf("a key of no scope: error %q, or lost what was typed", a.testid("key-error"))
	}
	a = ada.post(path+"/keys", url.Values{"name": {"Sync"}, "tenant": {"nope"}, "scope": {roster.ScopeWrite}}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(a.body, `value="write" checked`) || strings.Contains(a.body, `value="read" checked`) {
		t.Error("a refused form loses the scope chosen")
	}
	a = ada.post(path+"/keys", url.Values{"name": {"Sync"}, "tenant": {"acme"}, "scope": {roster.ScopeWrite}}).want(t, http.StatusOK)
	syncSecret := a.testid("new-api-key")
	if a.testid("new-api-key-scope") != "API key Sync created; it reads and writes tenant acme." || a.testid("api-key-scope") != "read and write" {
		t.Errorf("the write key's page: %q, listed as %q", a.testid("new-api-key-scope"), a.testid("api-key-scope"))
	}
	if !strings.Contains(a.body, `value="read" checked`) {
		t.Error("the form after a write key does not start at read again")
	}
	a = ada.post(path+"/keys", url.Values{"name": {"Ops"}, "scope": {roster.ScopeRead}}).want(t, http.StatusOK)
	globalSecret := a.testid("new-api-key")
	if got := a.testid("api-key-tenant"); got != "every tenant" {
		t.Errorf("the newest key reads %q, want every tenant", got)
	}
	a = ada.get(path).want(t, http.StatusOK)
	if strings.Contains(a.body, keySecret) || strings.Contains(a.body, globalSecret) || strings.Contains(a.body, syncSecret) {
		t.Error("a key's secret is shown again")
	}
	if n := strings.Count(a.body, `data-testid="api-key-row"`); n != 4 {
		t.Errorf("%d keys listed, want 4", n)
	}
	keys, err := f.svc.APIKeys(cliCtx)
	if err != nil || len(keys) != 4 || keys[0].Name != "Ops" || keys[1].Name != "Sync" || keys[2].Name != "Billing" || keys[2].Tenant != "acme" {
		t.Fatalf("keys = %v, %v", keys, err)
	}
	if keys[0].Scope != roster.ScopeRead || keys[1].Scope != roster.ScopeWrite || keys[2].Scope != roster.ScopeRead {
		t.Errorf("scopes %s, %s, %s; want read, write, read", keys[0].Scope, keys[1].Scope, keys[2].Scope)
	}
	ada.post(path+"/keys/nope/revoke", nil).want(t, http.StatusNotFound)
	ada.post(path+"/keys/"+keys[0].ID+"/revoke", nil).want(t, http.StatusSeeOther)
	if got := ada.get(path).testid("api-key-status"); !strings.HasPrefix(got, "revoked") {
		t.Errorf("revoked key's status %q", got)
	}

	// OAuth clients.
	a = ada.post(path+"/clients", url.Values{"name": {"Portal"}, "redirect_uris": {"https://portal.example.com/cb\nhttp://portal.example.com/cb"}}).
		want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(a.testid("client-error"), "http://portal.example.com/cb") || !strings.Contains(a.body, "https://portal.example.com/cb\nhttp://portal.example.com/cb</textarea>") {
		t.Errorf("a bad redirect URI: error %q, or lost what was typed", a.testid("client-error"))
	}
	a = ada.post(path+"/clients", url.Values{"name": {"Portal"}, "redirect_uris": {"https://portal.example.com/cb\r\nhttps://portal.example.com/cb2"}}).
		want(t, http.StatusOK)
	clientSecret, clientID := a.testid("new-client-secret"), a.testid("new-client-id")
	if !strings.HasPrefix(clientSecret, "rsc_") || clientID == "" {
		t.Fatalf("the new client's page shows id %q, secret %q", clientID, clientSecret)
	}
	a = ada.post(path+"/clients", url.Values{"name": {"Mobile"}, "redirect_uris": {"com.example.app:/cb"}, "public": {"on"}}).want(t, http.StatusOK)
	if a.testid("new-client-id") == "" || a.testid("new-client-secret") != "" {
		t.Errorf("a public client: id %q, secret %q", a.testid("new-client-id"), a.testid("new-client-secret"))
	}
	c, err := f.db.OAuthClient(cliCtx, clientID)
	if err != nil || !c.Matches(clientSecret) || len(c.RedirectURIs) != 2 || c.Name != "Portal" {
		t.Fatalf("client = %+v, %v", c, err)
	}
	if a = ada.get(path); strings.Contains(a.body, clientSecret) {
		t.Error("the client's secret is shown again")
	}
	ada.post(path+"/clients/nope/revoke", nil).want(t, http.StatusNotFound)
	ada.post(path+"/clients/"+clientID+"/revoke", nil).want(t, http.StatusSeeOther)
	a = ada.get(path+"?clients_q=portal").want(t, http.StatusOK)
	if got := a.testid("client-status"); !strings.HasPrefix(got, "revoked") || strings.Count(a.body, `data-testid="client-row"`) != 1 {
		t.Errorf("revoked client's status %q", got)
	}

	// One row per change, by the operator, never a secret.
	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rows {
		for _, secret := range []string{keySecret[4:], globalSecret[4:], syncSecret[4:], clientSecret[4:]} {
			if strings.Contains(string(e.Before)+string(e.After), secret) {
				t.Errorf("%s holds a secret", e.Action)
			}
		}
		if e.Action == "apikey.create" && e.Target == keys[1].ID {
			var after struct{ Scope string }
			if err := json.Unmarshal(e.After, &after); err != nil || after.Scope != roster.ScopeWrite {
				t.Errorf("the write key's audit row: %s (%v)", e.After, err)
			}
		}
		if e.Actor == "operator:"+adminEmail && e.Action != "operator.sign_in" {
			actions = append(actions, e.Action)
		}
	}
	if got := strings.Join(actions, " "); got != "client.revoke client.create client.create apikey.revoke apikey.create apikey.create apikey.create" {
		t.Errorf("audit trail: %s", got)
	}
}

// TestAccessPaged: each table shows 50 rows at a time with a link to its
// next page, keeping the other's search, and finds rows by name.
func TestAccessPaged(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	for i := range 55 {
		if _, _, err := f.svc.CreateAPIKey(cliCtx, "", fmt.Sprintf("Service %02d", i), ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.CreateClient(cliCtx, fmt.Sprintf("App %02d", i), []string{"https://app.example.com/cb"}, true); err != nil {
			t.Fatal(err)
		}
	}
	vic := f.signIn(t, viewerEmail)
	first := vic.get(Prefix+"/access?clients_q=app").want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="api-key-row"`); n != pageSize {
		t.Errorf("first page has %d keys, want %d", n, pageSize)
	}
	if n := strings.Count(first.body, `data-testid="client-row"`); n != pageSize {
		t.Errorf("first page has %d clients, want %d", n, pageSize)
	}
	href := first.link("next-page") // the keys' pager comes first
	if !strings.Contains(href, "keys_after=") || !strings.Contains(href, "clients_q=app") {
		t.Fatalf("the keys' next page %q", href)
	}
	second := vic.get(href).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="api-key-row"`); n != 56-pageSize {
		t.Errorf("second page (%s) has %d keys, want %d", href, n, 56-pageSize)
	}
	if strings.Contains(second.body, "Service 54") || !strings.Contains(second.body, "Service 00") {
		t.Error("the second page does not go on from the first")
	}
	found := vic.get(Prefix+"/access?keys_q=service+4").want(t, http.StatusOK)
	if n := strings.Count(found.body, `data-testid="api-key-row"`); n != 10 {
		t.Errorf("search found %d keys, want 10", n)
	}
	for _, action := range []string{`action="/console/access/keys"`, `action="/console/access/clients"`, "/revoke"} {
		if strings.Contains(first.body, action) {
			t.Errorf("a viewer is shown the form %s", action)
		}
	}
}
