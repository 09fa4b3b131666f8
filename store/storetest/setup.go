package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// testSetupLinks creates, lists, redeems (once, of eight at once), finds by
// session, touches and revokes setup links; an expired link is not redeemed.
func testSetupLinks(t *testing.T, s roster.Store) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	link := &roster.SetupLink{TenantID: acme.ID, Scopes: []string{roster.SetupScopeSCIM, roster.SetupScopeLog}, Prefix: "rsl_abc",
		Hash: sum("link"), CreatedBy: "operator:ada@example.com", Expires: at.Add(72 * time.Hour)}
	if err := s.CreateSetupLink(ctx, link); err != nil {
		t.Fatalf("CreateSetupLink = %v", err)
	}
	old := &roster.SetupLink{TenantID: acme.ID, Scopes: []string{roster.SetupScopeSSO}, Prefix: "rsl_old", Hash: sum("old"),
		CreatedBy: "cli:root@host", Expires: at.Add(-time.Minute)}
	if err := s.CreateSetupLink(ctx, old); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "CreateSetupLink(unknown tenant)", s.CreateSetupLink(ctx, &roster.SetupLink{TenantID: "nope", Hash: sum("x"), Expires: at}), roster.ENOTFOUND)

	got, err := s.SetupLink(ctx, link.ID)
	if err != nil || got.Prefix != "rsl_abc" || len(got.Scopes) != 2 || !got.Allows(roster.SetupScopeLog) || got.Allows(roster.SetupScopeSSO) ||
		!got.Expires.Equal(link.Expires) || got.CreatedBy != link.CreatedBy || !got.Redeemed.IsZero() {
		t.Fatalf("SetupLink = %+v, %v", got, err)
	}
	if got, err := s.SetupLinkByHash(ctx, sum("link")); err != nil || got.ID != link.ID {
		t.Errorf("SetupLinkByHash = %v, %v", got, err)
	}
	_, err = s.SetupLinkByHash(ctx, sum("nope"))
	wantCode(t, "SetupLinkByHash(unknown)", err, roster.ENOTFOUND)
	if ls, err := s.SetupLinks(ctx, acme.ID); err != nil || len(ls) != 2 {
		t.Fatalf("SetupLinks = %d, %v", len(ls), err)
	}

	_, err = s.RedeemSetupLink(ctx, sum("unknown"), sum("session-x"), at, "192.0.2.1")
	wantCode(t, "RedeemSetupLink(unknown)", err, roster.ENOTFOUND)
	l, err := s.RedeemSetupLink(ctx, sum("old"), sum("session-old"), at, "192.0.2.1")
	wantCode(t, "RedeemSetupLink(expired)", err, roster.ECONFLICT)
	if l == nil || l.ID != old.ID || !l.Redeemed.IsZero() {
		t.Errorf("RedeemSetupLink(expired) returned %+v", l)
	}

	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			l, err := s.RedeemSetupLink(ctx, sum("link"), sum(fmt.Sprint("session-", i)), at, "192.0.2.7")
			switch {
			case err == nil:
				wins.Add(1)
			case roster.ErrorCode(err) != roster.ECONFLICT || l == nil || l.Redeemed.IsZero():
				t.Errorf("a losing redemption = %+v, %v; want ECONFLICT with the redeemed link", l, err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of 8 concurrent redemptions won, want 1", wins.Load())
	}
	got, _ = s.SetupLink(ctx, link.ID)
	if !got.Redeemed.Equal(at) || got.RedeemedFrom != "192.0.2.7" || !got.SessionSeen.Equal(at) {
		t.Errorf("redeemed link = %+v", got)
	}
	var session []byte
	for i := range 8 {
		if l, err := s.SetupLinkBySession(ctx, sum(fmt.Sprint("session-", i))); err == nil {
			if l.ID != link.ID {
				t.Errorf("SetupLinkBySession found %s", l.ID)
			}
			session = sum(fmt.Sprint("session-", i))
		}
	}
	if session == nil {
		t.Fatal("no session found for the winning redemption")
	}
	later := at.Add(10 * time.Minute)
	if err := s.TouchSetupSession(ctx, link.ID, later); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SetupLink(ctx, link.ID); !got.SessionSeen.Equal(later) {
		t.Errorf("after touch, SessionSeen = %v", got.SessionSeen)
	}

	if err := s.RevokeSetupLink(ctx, link.ID, later); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSetupLink(ctx, link.ID, later.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SetupLink(ctx, link.ID); !got.Revoked.Equal(later) {
		t.Errorf("revoked at %v, want the first revocation %v", got.Revoked, later)
	}
	_, err = s.SetupLinkBySession(ctx, session)
	wantCode(t, "SetupLinkBySession(revoked)", err, roster.ENOTFOUND)
	wantCode(t, "RevokeSetupLink(unknown)", s.RevokeSetupLink(ctx, "nope", at), roster.ENOTFOUND)

	if err := s.DeleteTenant(ctx, acme.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.SetupLink(ctx, old.ID)
	wantCode(t, "SetupLink(of a deleted tenant)", err, roster.ENOTFOUND)
}
