package main

import (
	"context"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
)

// replaySetup is a running server whose default tenant signs in through a
// fake Entra ID, with Ada provisioned and a confidential host app.
type replaySetup struct {
	*signInSetup
	app      *hostApp
	clientID string
}

func startReplaySetup(t *testing.T, db string) *replaySetup {
	t.Helper()
	setup := startSignIn(t, db)
	out := cliEnv(t, setup.s, setup.env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	clientID := lastValue(t, out, "client_id")
	app := newHostApp(t, setup.issuer, clientID, lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	setup.s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	setup.entra.setAccount(entraAccount{sub: "ada-subject", oid: "ext-ada@contoso.com", upn: "ADA@contoso.com",
		email: "ada@contoso.com", name: "Ada Lovelace"})
	return &replaySetup{signInSetup: setup, app: app, clientID: clientID}
}

// TestClientRevokeEndsTokens revokes the host app's OAuth client with the
// CLI: its access tokens stop working at userinfo at once.
func TestClientRevokeEndsTokens(t *testing.T) { forEachStore(t, testClientRevokeEndsTokens) }

func testClientRevokeEndsTokens(t *testing.T, db string) {
	ctx := context.Background()
	st := startReplaySetup(t, db)
	app, entra, issuer := st.app, st.entra, st.issuer
	pkce := oauth2.GenerateVerifier()
	q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-1", "tenant", "default")
	tok, _, _ := app.redeem(ctx, t, q.Get("code"), pkce)
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusOK {
		t.Fatalf("userinfo = %d, want 200", status)
	}
	cliEnv(t, st.s, st.env, "client", "revoke", st.clientID)
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("userinfo with the access token of a revoked client = %d, want 401", status)
	}
	if rows := st.s.logRows(t, 1, "--tenant", "default", "--action", "userinfo"); len(rows) == 0 || rows[0]["reason"] != "signin_client_revoked" {
		t.Errorf("userinfo rows of the tenant: %v; want the refusal, reason signin_client_revoked", rows)
	}
}
