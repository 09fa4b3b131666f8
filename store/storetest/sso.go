package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

func testOAuthClients(t *testing.T, s roster.Store) {
	ctx := context.Background()
	secret, hash := roster.NewClientSecret()
	c := &roster.OAuthClient{Name: "web", RedirectURIs: []string{"https://app.example.com/cb", "http://127.0.0.1:9/cb"}, Hash: hash}
	if err := s.CreateOAuthClient(ctx, c); err != nil {
		t.Fatalf("CreateOAuthClient = %v", err)
	}
	pub := &roster.OAuthClient{Name: "mobile", RedirectURIs: []string{"com.example.app:/cb"}, Public: true}
	if err := s.CreateOAuthClient(ctx, pub); err != nil {
		t.Fatalf("CreateOAuthClient(public) = %v", err)
	}
	wantCode(t, "CreateOAuthClient(confidential without a secret)",
		s.CreateOAuthClient(ctx, &roster.OAuthClient{RedirectURIs: []string{"https://x"}}), roster.EINVALID)
	got, err := s.OAuthClient(ctx, c.ID)
	if err != nil {
		t.Fatalf("OAuthClient = %v", err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("OAuthClient mismatch (-want +got):\n%s", diff)
	}
	if !got.Matches(secret) || got.Matches(secret+"x") || !got.AllowsRedirect("http://127.0.0.1:9/cb") || got.AllowsRedirect("http://127.0.0.1:9/cb/") {
		t.Errorf("client %+v: Matches or AllowsRedirect wrong", got)
	}
	if p, err := s.OAuthClient(ctx, pub.ID); err != nil || !p.Public || p.Matches("") {
		t.Errorf("OAuthClient(public) = %+v, %v; want public, matching no secret", p, err)
	}
	all, err := s.OAuthClients(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("OAuthClients = %d, %v; want 2", len(all), err)
	}
	if err := s.RevokeOAuthClient(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.OAuthClient(ctx, c.ID); err != nil || got.Revoked.IsZero() {
		t.Errorf("after revoke: %+v, %v; want revoked", got, err)
	}
	wantCode(t, "RevokeOAuthClient(unknown)", s.RevokeOAuthClient(ctx, "nope"), roster.ENOTFOUND)
	_, err = s.OAuthClient(ctx, "nope")
	wantCode(t, "OAuthClient(unknown)", err, roster.ENOTFOUND)
}

func testSSOConnections(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	_, err := s.SSOConnection(ctx, a.ID)
	wantCode(t, "SSOConnection(none)", err, roster.ENOTFOUND)
	c := &roster.SSOConnection{TenantID: a.ID, Type: roster.ConnectionOIDC, Issuer: "https://idp/v2.0", ClientID: "cid", SealedSecret: []byte{1, 2, 3}}
	if err := s.SetSSOConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.ClientID, c.SealedSecret = "cid2", []byte{4}
	if err := s.SetSSOConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.SSOConnection(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("SSOConnection mismatch (-want +got):\n%s", diff)
	}
	// A SAML connection replaces it, with its metadata, certificate and flag.
	c = &roster.SSOConnection{TenantID: a.ID, Type: roster.ConnectionSAML, Issuer: "https://sts.windows.net/dir/",
		SealedSecret: []byte{5, 6}, Metadata: "<EntityDescriptor/>", Certificate: []byte{7, 8, 9}, IdPInitiated: true}
	if err := s.SetSSOConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err = s.SSOConnection(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("SAML SSOConnection mismatch (-want +got):\n%s", diff)
	}
	_, err = s.SSOConnection(ctx, b.ID)
	wantCode(t, "SSOConnection(other tenant)", err, roster.ENOTFOUND)
	wantCode(t, "SetSSOConnection(no tenant)",
		s.SetSSOConnection(ctx, &roster.SSOConnection{TenantID: "nope", Type: "oidc", SealedSecret: []byte{1}}), roster.ENOTFOUND)

	// Deleting it deletes only the tenant's own, once.
	if err := s.SetSSOConnection(ctx, &roster.SSOConnection{TenantID: b.ID, Type: roster.ConnectionOIDC, Issuer: "https://idp-b", ClientID: "b", SealedSecret: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSSOConnection(ctx, a.ID); err != nil {
		t.Fatalf("DeleteSSOConnection = %v", err)
	}
	_, err = s.SSOConnection(ctx, a.ID)
	wantCode(t, "SSOConnection(deleted)", err, roster.ENOTFOUND)
	wantCode(t, "DeleteSSOConnection(again)", s.DeleteSSOConnection(ctx, a.ID), roster.ENOTFOUND)
	if got, err := s.SSOConnection(ctx, b.ID); err != nil || got.Issuer != "https://idp-b" {
		t.Errorf("the other tenant's connection after a delete = %+v, %v", got, err)
	}
}

func testTenantSelectors(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	if err := s.SetTenantOrganization(ctx, a.ID, "org-1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "SetTenantOrganization(taken)", s.SetTenantOrganization(ctx, b.ID, "org-1"), roster.ECONFLICT)
	wantCode(t, "SetTenantOrganization(no tenant)", s.SetTenantOrganization(ctx, "nope", "org-2"), roster.ENOTFOUND)
	if got, err := s.TenantByOrganization(ctx, "org-1"); err != nil || got.ID != a.ID || got.Organization != "org-1" {
		t.Errorf("TenantByOrganization = %+v, %v; want acme", got, err)
	}
	if got, err := s.Tenant(ctx, "acme"); err != nil || got.Organization != "org-1" {
		t.Errorf("Tenant(acme).Organization = %+v, %v; want org-1", got, err)
	}
	_, err := s.TenantByOrganization(ctx, "org-2")
	wantCode(t, "TenantByOrganization(unknown)", err, roster.ENOTFOUND)

	if err := s.SetTenantDomains(ctx, a.ID, []string{"Contoso.com", "contoso.com", "fabrikam.com."}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TenantDomains(ctx, a.ID); err != nil || !cmp.Equal(got, []string{"contoso.com", "fabrikam.com"}) {
		t.Errorf("TenantDomains = %q, %v; want contoso.com, fabrikam.com", got, err)
	}
	err = s.SetTenantDomains(ctx, b.ID, []string{"beta.example", "CONTOSO.com"})
	wantCode(t, "SetTenantDomains(another tenant's)", err, roster.ECONFLICT)
	if got, err := s.TenantDomains(ctx, b.ID); err != nil || len(got) != 0 {
		t.Errorf("TenantDomains(beta) after a refused set = %q, %v; want none", got, err)
	}
	if got, err := s.TenantByDomain(ctx, "FABRIKAM.com"); err != nil || got.ID != a.ID {
		t.Errorf("TenantByDomain = %+v, %v; want acme", got, err)
	}
	// Replacing frees the domains left out.
	if err := s.SetTenantDomains(ctx, a.ID, []string{"fabrikam.com"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTenantDomains(ctx, b.ID, []string{"contoso.com"}); err != nil {
		t.Errorf("SetTenantDomains(a freed domain) = %v", err)
	}
	if got, err := s.TenantByDomain(ctx, "contoso.com"); err != nil || got.ID != b.ID {
		t.Errorf("TenantByDomain(contoso.com) = %+v, %v; want beta", got, err)
	}
	_, err = s.TenantByDomain(ctx, "example.org")
	wantCode(t, "TenantByDomain(unknown)", err, roster.ENOTFOUND)
	wantCode(t, "SetTenantDomains(no tenant)", s.SetTenantDomains(ctx, "nope", []string{"x.example"}), roster.ENOTFOUND)
}

func testIdentityLinks(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	ada := mustUser(t, s, a.ID, userSpec{userName: "ada"})
	bob := mustUser(t, s, a.ID, userSpec{userName: "bob"})
	zed := mustUser(t, s, b.ID, userSpec{userName: "zed"})
	const iss = "https://login.microsoftonline.com/t/v2.0"
	l := &roster.IdentityLink{TenantID: a.ID, UserID: ada.ID, Issuer: iss, Subject: "sub-ada"}
	if err := s.LinkIdentity(ctx, l); err != nil {
		t.Fatal(err)
	}
	// One account links to one user, and a user to one account per issuer.
	wantCode(t, "LinkIdentity(subject of another user)",
		s.LinkIdentity(ctx, &roster.IdentityLink{TenantID: a.ID, UserID: bob.ID, Issuer: iss, Subject: "sub-ada"}), roster.ECONFLICT)
	wantCode(t, "LinkIdentity(second subject of a user)",
		s.LinkIdentity(ctx, &roster.IdentityLink{TenantID: a.ID, UserID: ada.ID, Issuer: iss, Subject: "sub-other"}), roster.ECONFLICT)
	if err := s.LinkIdentity(ctx, &roster.IdentityLink{TenantID: a.ID, UserID: ada.ID, Issuer: "https://other", Subject: "sub-ada"}); err != nil {
		t.Errorf("LinkIdentity(another issuer) = %v", err)
	}
	// The same subject in another tenant is another account.
	if err := s.LinkIdentity(ctx, &roster.IdentityLink{TenantID: b.ID, UserID: zed.ID, Issuer: iss, Subject: "sub-ada"}); err != nil {
		t.Errorf("LinkIdentity(same subject, other tenant) = %v", err)
	}
	wantCode(t, "LinkIdentity(user of another tenant)",
		s.LinkIdentity(ctx, &roster.IdentityLink{TenantID: b.ID, UserID: bob.ID, Issuer: iss, Subject: "sub-bob"}), roster.ENOTFOUND)
	got, err := s.IdentityLinkBySubject(ctx, a.ID, iss, "sub-ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("IdentityLinkBySubject mismatch (-want +got):\n%s", diff)
	}
	if got, err := s.IdentityLinkOfUser(ctx, a.ID, ada.ID, iss); err != nil || got.Subject != "sub-ada" {
		t.Errorf("IdentityLinkOfUser = %+v, %v", got, err)
	}
	if got, err := s.IdentityLinkBySubject(ctx, b.ID, iss, "sub-ada"); err != nil || got.UserID != zed.ID {
		t.Errorf("IdentityLinkBySubject(beta) = %+v, %v; want zed", got, err)
	}
	_, err = s.IdentityLinkOfUser(ctx, a.ID, bob.ID, iss)
	wantCode(t, "IdentityLinkOfUser(unlinked)", err, roster.ENOTFOUND)
	// A deleted user's links go with it.
	if err := s.DeleteUser(ctx, a.ID, ada.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err = s.IdentityLinkBySubject(ctx, a.ID, iss, "sub-ada")
	wantCode(t, "IdentityLinkBySubject(deleted user)", err, roster.ENOTFOUND)
}

func testSigningKeys(t *testing.T, s roster.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	k1 := &roster.SigningKey{ID: "k1", Algorithm: roster.ES256, SealedPrivate: []byte("one"), Activates: t0}
	k2 := &roster.SigningKey{ID: "k2", Algorithm: roster.RS256, SealedPrivate: []byte("two"), Activates: t0.Add(time.Hour)}
	for _, k := range []*roster.SigningKey{k2, k1} {
		if err := s.CreateSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, "CreateSigningKey(k1 again)", s.CreateSigningKey(ctx, &roster.SigningKey{ID: "k1", Algorithm: roster.ES256, SealedPrivate: []byte("x"), Activates: t0}), roster.ECONFLICT)
	if err := s.RetireSigningKey(ctx, "k1", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	k1.Retires = t0.Add(2 * time.Hour)
	got, err := s.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*roster.SigningKey{k1, k2}, got); diff != "" {
		t.Errorf("SigningKeys mismatch (-want +got):\n%s", diff)
	}
	wantCode(t, "RetireSigningKey(unknown)", s.RetireSigningKey(ctx, "nope", t0), roster.ENOTFOUND)
}

// testAuthCodes: a code is redeemed once; a second redemption, concurrent or
// later, fails with ECONFLICT and ends the session the code started; an
// expired or unknown code is not found.
func testAuthCodes(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	ada := mustUser(t, s, a.ID, userSpec{userName: "ada"})
	// The store's clock is its own: expiry is measured from the tenant's creation.
	now := a.Created
	session := func() *roster.Session {
		t.Helper()
		ss := &roster.Session{TenantID: a.ID, UserID: ada.ID, Expires: now.Add(time.Hour).UTC().Truncate(time.Microsecond),
			SignIn: roster.SignIn{Method: roster.LoginMethodIdP}}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		return ss
	}
	live := func(ss *roster.Session) bool {
		t.Helper()
		got, err := s.Session(ctx, a.ID, ss.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Ended.IsZero()
	}
	code := func(name, sessionID string, expires time.Time) *roster.AuthCode {
		h := sha256.Sum256([]byte(name))
		return &roster.AuthCode{Hash: h[:], TenantID: a.ID, ClientID: "c", RedirectURI: "https://app/cb",
			Challenge: "ch", Nonce: "n", UserID: ada.ID, SessionID: sessionID, Expires: expires.UTC().Truncate(time.Microsecond),
			Forget: expires.Add(time.Hour).UTC().Truncate(time.Microsecond),
			SignIn: roster.SignIn{Method: roster.LoginMethodIdP, Issuer: "iss", Subject: "sub", AMR: []string{"pwd"},
				AuthTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	}
	s1 := session()
	c := code("one", s1.ID, now.Add(time.Minute))
	if err := s.CreateAuthCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Of concurrent redemptions, exactly one gets the code; the others are
	// replays.
	const n = 16
	got := make([]*roster.AuthCode, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.RedeemAuthCode(ctx, c.Hash) })
	}
	wg.Wait()
	if i := OneWinner(t, "redemptions", errs); i >= 0 {
		if diff := cmp.Diff(c, got[i]); diff != "" {
			t.Errorf("RedeemAuthCode mismatch (-want +got):\n%s", diff)
		}
	}

	// A code redeemed once: the second redemption is a replay, which ends
	// the session the first started, and another session stays live.
	s2, s3 := session(), session()
	c2 := code("two", s2.ID, now.Add(time.Minute))
	if err := s.CreateAuthCode(ctx, c2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemAuthCode(ctx, c2.Hash); err != nil {
		t.Fatal(err)
	}
	if !live(s2) {
		t.Fatal("redeeming the code ended its session")
	}
	_, err := s.RedeemAuthCode(ctx, c2.Hash)
	wantCode(t, "RedeemAuthCode(again)", err, roster.ECONFLICT)
	if live(s2) {
		t.Error("the session of a replayed code is live")
	}
	if !live(s3) {
		t.Error("replaying a code ended another session")
	}
	_, err = s.RedeemAuthCode(ctx, c2.Hash)
	wantCode(t, "RedeemAuthCode(a third time)", err, roster.ECONFLICT)

	old := code("expired", s3.ID, now.Add(-time.Second))
	if err := s.CreateAuthCode(ctx, old); err != nil {
		t.Fatal(err)
	}
	_, err = s.RedeemAuthCode(ctx, old.Hash)
	wantCode(t, "RedeemAuthCode(expired)", err, roster.ENOTFOUND)
	if !live(s3) {
		t.Error("an expired code's refusal ended its session")
	}
	_, err = s.RedeemAuthCode(ctx, bytes.Repeat([]byte{7}, 32))
	wantCode(t, "RedeemAuthCode(unknown)", err, roster.ENOTFOUND)
}

// testUseOnce: an id is used once per tenant and issuer; of concurrent uses
// one succeeds; another tenant or issuer has its own.
func testUseOnce(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	later := a.Created.Add(time.Hour)
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.UseOnce(ctx, a.ID, "https://idp.example/", "_assertion-1", later) })
	}
	wg.Wait()
	OneWinner(t, "uses", errs)
	wantCode(t, "UseOnce(again)", s.UseOnce(ctx, a.ID, "https://idp.example/", "_assertion-1", later), roster.ECONFLICT)
	for _, use := range []struct{ tenant, issuer, id string }{
		{b.ID, "https://idp.example/", "_assertion-1"},
		{a.ID, "https://other.example/", "_assertion-1"},
		{a.ID, "https://idp.example/", "_assertion-2"},
	} {
		if err := s.UseOnce(ctx, use.tenant, use.issuer, use.id, later); err != nil {
			t.Errorf("UseOnce(%s, %s, %s) = %v, want it used for the first time", use.tenant, use.issuer, use.id, err)
		}
	}
	wantCode(t, "UseOnce(no tenant)", s.UseOnce(ctx, "nope", "i", "x", later), roster.ENOTFOUND)
}

func testSessions(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	later := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	session := func(tenantID, userID string) *roster.Session {
		t.Helper()
		ss := &roster.Session{TenantID: tenantID, UserID: userID, Expires: later,
			SignIn: roster.SignIn{Method: roster.LoginMethodIdP, Issuer: "iss", Subject: "sub", AuthTime: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		return ss
	}
	live := func(ss *roster.Session) bool {
		t.Helper()
		got, err := s.Session(ctx, ss.TenantID, ss.ID)
		if err != nil {
			t.Fatalf("Session(%s) = %v", ss.ID, err)
		}
		return got.Live(time.Now())
	}
	ada := mustUser(t, s, a.ID, userSpec{userName: "ada"})
	s1 := session(a.ID, ada.ID)
	got, err := s.Session(ctx, a.ID, s1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s1, got); diff != "" {
		t.Errorf("Session mismatch (-want +got):\n%s", diff)
	}
	_, err = s.Session(ctx, b.ID, s1.ID)
	wantCode(t, "Session(other tenant)", err, roster.ENOTFOUND)
	wantCode(t, "EndSession(other tenant)", s.EndSession(ctx, b.ID, s1.ID), roster.ENOTFOUND)
	if err := s.EndSession(ctx, a.ID, s1.ID); err != nil {
		t.Fatal(err)
	}
	if live(s1) {
		t.Error("session live after EndSession")
	}

	// A write that leaves the user active keeps its sessions; one that
	// deactivates it (SCIM or entitlements) ends them in its transaction.
	s2 := session(a.ID, ada.ID)
	ada.Doc["displayName"] = "Ada"
	ada.Entitlements.Active = true
	if err := s.ReplaceUser(ctx, a.ID, ada, 0); err != nil {
		t.Fatal(err)
	}
	if !live(s2) {
		t.Fatal("session ended by a write that left the user active")
	}
	ada.Entitlements.Active = false
	if err := s.ReplaceUser(ctx, a.ID, ada, 0); err != nil {
		t.Fatal(err)
	}
	if live(s2) {
		t.Error("session live after the entitlements deactivated the user")
	}
	ada.Entitlements.Active = true
	if err := s.ReplaceUser(ctx, a.ID, ada, 0); err != nil {
		t.Fatal(err)
	}
	s3 := session(a.ID, ada.ID)
	ada.Active, ada.Doc["active"] = false, false
	if err := s.ReplaceUser(ctx, a.ID, ada, 0); err != nil {
		t.Fatal(err)
	}
	if live(s3) {
		t.Error("session live after SCIM deactivated the user")
	}

	// Deleting or retiring ends them too, and another user's or tenant's stay.
	bob := mustUser(t, s, a.ID, userSpec{userName: "bob"})
	cat := mustUser(t, s, a.ID, userSpec{userName: "cat"})
	zed := mustUser(t, s, b.ID, userSpec{userName: "zed"})
	sb, sc, sz := session(a.ID, bob.ID), session(a.ID, cat.ID), session(b.ID, zed.ID)
	if err := s.DeleteUser(ctx, a.ID, bob.ID, 0); err != nil {
		t.Fatal(err)
	}
	if live(sb) {
		t.Error("session live after its user was deleted")
	}
	if !live(sc) || !live(sz) {
		t.Error("deleting bob ended another user's session")
	}
	if err := s.RetireUser(ctx, a.ID, cat.ID, 0); err != nil {
		t.Fatal(err)
	}
	if live(sc) {
		t.Error("session live after its user was retired")
	}
	if !live(sz) {
		t.Error("retiring cat ended another tenant's session")
	}
	wantCode(t, "CreateSession(no tenant)", s.CreateSession(ctx, &roster.Session{TenantID: "nope", UserID: "u", Expires: later}), roster.ENOTFOUND)
}

func testLoginMethods(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	b := mustTenant(t, s, "beta")
	ada := mustUser(t, s, a.ID, userSpec{userName: "ada"})
	if ada.LoginMethod != roster.LoginMethodIdP {
		t.Errorf("CreateUser: LoginMethod = %q, want idp", ada.LoginMethod)
	}
	pat := newUser(userSpec{userName: "pat"})
	pat.LoginMethod = roster.LoginMethodPassword
	if err := s.CreateUser(ctx, a.ID, pat); err != nil {
		t.Fatal(err)
	}
	if got, err := s.User(ctx, a.ID, pat.ID); err != nil || got.LoginMethod != roster.LoginMethodPassword {
		t.Errorf("User(pat) = %+v, %v; want login method password", got, err)
	}

	// SetLoginMethod bumps the version; a replace without a method keeps it.
	if err := s.SetLoginMethod(ctx, a.ID, ada.ID, roster.LoginMethodEither); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, a.ID, ada.ID)
	if err != nil || got.LoginMethod != roster.LoginMethodEither || got.Version != ada.Version+1 {
		t.Fatalf("User after SetLoginMethod = %+v, %v; want either, version %d", got, err, ada.Version+1)
	}
	wantLoginMethodEvent(t, s, a.ID, ada.ID, roster.LoginMethodIdP, roster.LoginMethodEither)
	// The method it has already: no change, no version, no event.
	before, _ := s.LastEventSeq(ctx)
	if err := s.SetLoginMethod(ctx, a.ID, ada.ID, roster.LoginMethodEither); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.User(ctx, a.ID, ada.ID); again.Version != got.Version {
		t.Errorf("SetLoginMethod(same method): version %d, want %d", again.Version, got.Version)
	}
	if after, _ := s.LastEventSeq(ctx); after != before {
		t.Errorf("SetLoginMethod(same method) appended an event (seq %d → %d)", before, after)
	}
	got.LoginMethod = ""
	if err := s.ReplaceUser(ctx, a.ID, got, 0); err != nil || got.LoginMethod != roster.LoginMethodEither {
		t.Errorf("ReplaceUser without a method = %v, LoginMethod %q; want either kept", err, got.LoginMethod)
	}
	got.LoginMethod = roster.LoginMethodIdP
	if err := s.ReplaceUser(ctx, a.ID, got, 0); err != nil {
		t.Fatal(err)
	}
	wantLoginMethodEvent(t, s, a.ID, ada.ID, roster.LoginMethodEither, roster.LoginMethodIdP)
	if got, _ := s.User(ctx, a.ID, ada.ID); got.LoginMethod != roster.LoginMethodIdP {
		t.Errorf("ReplaceUser with idp: LoginMethod = %q", got.LoginMethod)
	}
	wantCode(t, "SetLoginMethod(another tenant's user)", s.SetLoginMethod(ctx, b.ID, ada.ID, roster.LoginMethodIdP), roster.ENOTFOUND)

	// Passwords: none, set, replaced; per tenant; gone with the user.
	_, err = s.PasswordHash(ctx, a.ID, ada.ID)
	wantCode(t, "PasswordHash(none)", err, roster.ENOTFOUND)
	for _, h := range []string{"hash-1", "hash-2"} {
		if err := s.SetPassword(ctx, a.ID, ada.ID, h); err != nil {
			t.Fatal(err)
		}
		if got, err := s.PasswordHash(ctx, a.ID, ada.ID); err != nil || got != h {
			t.Errorf("PasswordHash = %q, %v; want %q", got, err, h)
		}
	}
	wantCode(t, "SetPassword(another tenant's user)", s.SetPassword(ctx, b.ID, ada.ID, "x"), roster.ENOTFOUND)
	_, err = s.PasswordHash(ctx, b.ID, ada.ID)
	wantCode(t, "PasswordHash(another tenant)", err, roster.ENOTFOUND)
	if err := s.DeleteUser(ctx, a.ID, ada.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err = s.PasswordHash(ctx, a.ID, ada.ID)
	wantCode(t, "PasswordHash(deleted user)", err, roster.ENOTFOUND)
}

// wantLoginMethodEvent checks that the tenant's newest event is the
// user.updated of the user's login method going from old to method: the
// resource with the sign-in extension, the previous method, the app state.
func wantLoginMethodEvent(t *testing.T, s roster.Store, tenantID, userID, old, method string) {
	t.Helper()
	events, err := s.Events(context.Background(), roster.EventQuery{TenantID: tenantID, Limit: 1000})
	if err != nil || len(events) == 0 {
		t.Fatalf("Events = %d events, %v", len(events), err)
	}
	e := events[len(events)-1]
	if e.Type != roster.UserUpdated || e.ResourceID != userID {
		t.Fatalf("newest event = %s of %s, want %s of %s", e.Type, e.ResourceID, roster.UserUpdated, userID)
	}
	var p struct {
		Resource map[string]any `json:"resource"`
		Previous map[string]any `json:"previous"`
		App      map[string]any `json:"app"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatal(err)
	}
	ext := func(m map[string]any) any {
		x, _ := m[roster.SignInURN].(map[string]any)
		return x["loginMethod"]
	}
	if ext(p.Resource) != method || ext(p.Previous) != old || p.Resource["id"] != userID || p.App == nil {
		t.Errorf("%s payload = %s; want the method %s, previous %s, id and app", e.Type, e.Payload, method, old)
	}
}

// testPruneSignIn: expired codes go, live ones stay, and a redeemed one stays
// until its Forget; one-time ids go once expired; sessions that ended or
// expired before the cut-off go, the others stay.
func testPruneSignIn(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "acme")
	now := a.Created // the store's own clock
	code := func(name string, expires, forget time.Time) []byte {
		t.Helper()
		h := sha256.Sum256([]byte(name))
		c := &roster.AuthCode{Hash: h[:], TenantID: a.ID, ClientID: "c", RedirectURI: "https://app/cb", UserID: "u", SessionID: "s",
			Expires: expires.UTC().Truncate(time.Microsecond), Forget: forget.UTC().Truncate(time.Microsecond),
			SignIn: roster.SignIn{Method: roster.LoginMethodIdP}}
		if err := s.CreateAuthCode(ctx, c); err != nil {
			t.Fatal(err)
		}
		return h[:]
	}
	expired, live := code("expired", now.Add(-time.Minute), time.Time{}), code("live", now.Add(time.Hour), time.Time{})
	// Redeemed, and still remembered after its expiry.
	redeemed := code("redeemed", now.Add(2*time.Second), now.Add(time.Hour))
	if _, err := s.RedeemAuthCode(ctx, redeemed); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gone", "kept"} {
		expires := now.Add(-time.Minute)
		if id == "kept" {
			expires = now.Add(time.Hour)
		}
		if err := s.UseOnce(ctx, a.ID, "https://idp.example/", id, expires); err != nil {
			t.Fatal(err)
		}
	}
	ada := mustUser(t, s, a.ID, userSpec{userName: "ada"})
	session := func(expires time.Time, end bool) *roster.Session {
		t.Helper()
		ss := &roster.Session{TenantID: a.ID, UserID: ada.ID, Expires: expires.UTC().Truncate(time.Microsecond), SignIn: roster.SignIn{Method: roster.LoginMethodIdP}}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		if end {
			if err := s.EndSession(ctx, a.ID, ss.ID); err != nil {
				t.Fatal(err)
			}
		}
		return ss
	}
	old := session(now.Add(-48*time.Hour), false)
	ended := session(now.Add(time.Hour), true)
	current := session(now.Add(time.Hour), false)

	codes, sessions, err := s.PruneSignIn(ctx, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if codes != 2 || sessions != 1 {
		t.Errorf("PruneSignIn(a day ago) = %d codes, %d sessions; want 2 and 1 (the expired code and one-time id, the session that expired two days ago)", codes, sessions)
	}
	_, err = s.RedeemAuthCode(ctx, redeemed)
	wantCode(t, "RedeemAuthCode(redeemed, kept)", err, roster.ECONFLICT)
	if err := s.UseOnce(ctx, a.ID, "https://idp.example/", "gone", now.Add(time.Hour)); err != nil {
		t.Errorf("UseOnce(a pruned id) = %v, want it used anew", err)
	}
	wantCode(t, "UseOnce(a kept id)", s.UseOnce(ctx, a.ID, "https://idp.example/", "kept", now.Add(time.Hour)), roster.ECONFLICT)
	_, err = s.RedeemAuthCode(ctx, expired)
	wantCode(t, "RedeemAuthCode(pruned)", err, roster.ENOTFOUND)
	if _, err := s.RedeemAuthCode(ctx, live); err != nil {
		t.Errorf("the live code went: %v", err)
	}
	_, err = s.Session(ctx, a.ID, old.ID)
	wantCode(t, "Session(pruned)", err, roster.ENOTFOUND)
	for _, ss := range []*roster.Session{ended, current} {
		if _, err := s.Session(ctx, a.ID, ss.ID); err != nil {
			t.Errorf("session %s went too early: %v", ss.ID, err)
		}
	}
	// Once the cut-off passes their end and expiry, both go.
	if _, sessions, err = s.PruneSignIn(ctx, now.Add(24*time.Hour)); err != nil || sessions != 2 {
		t.Errorf("PruneSignIn(tomorrow) = %d sessions, %v; want the ended one and the one expiring in an hour", sessions, err)
	}
	for _, ss := range []*roster.Session{ended, current} {
		_, err = s.Session(ctx, a.ID, ss.ID)
		wantCode(t, "Session(pruned tomorrow)", err, roster.ENOTFOUND)
	}
}

// testOAuthClientPage: clients a page at a time, newest first, live and
// revoked, found by a part of their name or id in any case.
func testOAuthClientPage(t *testing.T, s roster.Store) {
	ctx := context.Background()
	for i := range 5 {
		c := &roster.OAuthClient{Name: fmt.Sprintf("Web %d", i), RedirectURIs: []string{"https://app.example.com/cb"}, Public: i == 4}
		if i%2 == 1 {
			c.Name = fmt.Sprintf("Mobile %d", i)
		}
		if !c.Public {
			_, c.Hash = roster.NewClientSecret()
		}
		if err := s.CreateOAuthClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			if err := s.RevokeOAuthClient(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := s.OAuthClients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := newestFirst(all, func(c *roster.OAuthClient) (time.Time, string) { return c.Created, c.ID })
	got := walkPages(t, 2, func(after string) ([]*roster.OAuthClient, error) {
		return s.OAuthClientPage(ctx, roster.OAuthClientQuery{After: after, Limit: 2})
	}, func(c *roster.OAuthClient) string { return c.ID })
	if !slices.Equal(got, want) {
		t.Errorf("OAuthClientPage walked %v, want %v", got, want)
	}
	found, err := s.OAuthClientPage(ctx, roster.OAuthClientQuery{Search: "mobile", Limit: 10})
	if err != nil || len(found) != 2 || found[0].Name != "Mobile 3" || len(found[0].RedirectURIs) != 1 {
		t.Errorf("OAuthClientPage(search mobile) = %d clients, %v; want 2, Mobile 3 first", len(found), err)
	}
	found, err = s.OAuthClientPage(ctx, roster.OAuthClientQuery{Search: strings.ToUpper(all[1].ID), Limit: 10})
	if err != nil || len(found) != 1 || found[0].ID != all[1].ID {
		t.Errorf("OAuthClientPage(search an id) = %v, %v; want its client", found, err)
	}
	if cs, err := s.OAuthClientPage(ctx, roster.OAuthClientQuery{After: "nope", Limit: 10}); err != nil || len(cs) != 0 {
		t.Errorf("OAuthClientPage(after no client) = %v, %v; want none", cs, err)
	}
}
