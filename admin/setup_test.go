package admin_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// TestSetupLinks makes, redeems once, uses, bounds and revokes setup links;
// every action is audited, by the link's own actor for what is done through
// it, and no row holds a secret.
func TestSetupLinks(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clk := &clock{t: start}
	ctx := admin.WithActor(t.Context(), admin.Actor{Kind: "operator", Name: "ada@example.com", Source: "127.0.0.1"})
	svc, db := newClockedService(t, clk)
	acme, err := svc.CreateTenant(ctx, "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateTenant(ctx, "globex", ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ttl    time.Duration
		scopes []string
	}{{-time.Hour, nil}, {31 * 24 * time.Hour, nil}, {time.Hour, []string{"scim", "admin"}}} {
		if _, _, err := svc.CreateSetupLink(ctx, "acme", c.ttl, c.scopes); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("CreateSetupLink(%s, %v) = %v, want EINVALID", c.ttl, c.scopes, err)
		}
	}
	secret, l, err := svc.CreateSetupLink(ctx, "acme", 0, []string{"log", "scim", "log"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "rsl_") || strings.Join(l.Scopes, ",") != "scim,log" || !l.Expires.Equal(start.Add(72*time.Hour)) ||
		l.CreatedBy != "operator:ada@example.com" {
		t.Errorf("link %+v, secret %q", l, secret)
	}
	u, _ := url.Parse(admin.SetupURL("https://roster.example.com/", secret))
	if u.Path != "/setup" || u.Query().Get("link") != secret || u.Host != "roster.example.com" {
		t.Errorf("SetupURL = %s", u)
	}

	if _, _, err := svc.RedeemSetupLink(ctx, "rsl_not-a-link-of-roster", "192.0.2.1"); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Errorf("RedeemSetupLink(unknown) = %v", err)
	}
	session, got, err := svc.RedeemSetupLink(ctx, secret, "192.0.2.1")
	if err != nil || got.ID != l.ID || session == "" {
		t.Fatalf("RedeemSetupLink = %v, %v", got, err)
	}
	if _, used, err := svc.RedeemSetupLink(ctx, secret, "198.51.100.2"); roster.ErrorCode(err) != roster.ECONFLICT || used == nil ||
		!strings.HasPrefix(svc.SetupLinkStatus(used), "used 2026-12-07 09:00 from 192.0.2.1") {
		t.Errorf("a second redemption = %v (%v)", err, used)
	}
	sl, tn, err := svc.SetupSession(ctx, session)
	if err != nil || sl.ID != l.ID || tn.ID != acme.ID {
		t.Fatalf("SetupSession = %v, %v, %v", sl, tn, err)
	}
	if _, _, err := svc.SetupSession(ctx, session+"x"); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Errorf("SetupSession(other) = %v", err)
	}
	// Used every hour, the session lives 12 hours from its redemption.
	for range 11 {
		clk.add(time.Hour)
		if _, _, err := svc.SetupSession(ctx, session); err != nil {
			t.Fatalf("SetupSession at %v = %v", clk.now(), err)
		}
	}
	clk.add(time.Hour + time.Second)
	if _, _, err := svc.SetupSession(ctx, session); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Errorf("SetupSession past 12 hours = %v", err)
	}

	// Idle two hours, a session ends; revoking a link ends its session.
	secret2, l2, _ := svc.CreateSetupLink(ctx, "acme", time.Hour, nil)
	if got := strings.Join(l2.Scopes, ","); got != "scim,sso,log" {
		t.Errorf("a link made without scopes has %s, want scim,sso,log: held only when asked", got)
	}
	session2, _, err := svc.RedeemSetupLink(ctx, secret2, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RevokeSetupLink(ctx, "globex", l2.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RevokeSetupLink through another tenant = %v", err)
	}
	if err := svc.RevokeSetupLink(ctx, "acme", l2.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SetupSession(ctx, session2); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Errorf("SetupSession of a revoked link = %v", err)
	}
	secret3, _, _ := svc.CreateSetupLink(ctx, "acme", time.Hour, nil)
	session3, _, _ := svc.RedeemSetupLink(ctx, secret3, "192.0.2.1")
	clk.add(admin.SetupSessionIdle + time.Second)
	if _, _, err := svc.SetupSession(ctx, session3); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Errorf("SetupSession idle past its bound = %v", err)
	}
	secret4, _, _ := svc.CreateSetupLink(ctx, "acme", time.Minute, nil)
	clk.add(time.Minute)
	if _, expired, err := svc.RedeemSetupLink(ctx, secret4, "192.0.2.1"); roster.ErrorCode(err) != roster.ECONFLICT || svc.SetupLinkStatus(expired) != "expired" {
		t.Errorf("redeeming an expired link = %v", err)
	}

	rows, err := db.Audit(ctx, roster.AuditQuery{Tenant: "acme", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rows {
		actions = append(actions, e.Action)
		for _, s := range []string{secret, secret2, secret3, secret4, session, session2, session3} {
			if strings.Contains(string(e.Before)+string(e.After), s[4:20]) {
				t.Errorf("%s holds a secret", e.Action)
			}
		}
		if e.Action == "setup_link.redeem" && (e.Actor != "setup-link:"+l.ID && !strings.HasPrefix(e.Actor, "setup-link:") || e.Source != "192.0.2.1") {
			t.Errorf("redemption audited as %s from %s", e.Actor, e.Source)
		}
	}
	if got := strings.Join(actions, " "); got != "setup_link.create setup_link.redeem setup_link.create setup_link.revoke setup_link.redeem setup_link.create setup_link.redeem setup_link.create tenant.create" {
		t.Errorf("audit trail: %s", got)
	}
}

// TestSetupLinkHeldScope: a link has the held scope when its maker names it,
// never by default.
func TestSetupLinkHeldScope(t *testing.T) {
	ctx := admin.WithActor(t.Context(), admin.Actor{Kind: "operator", Name: "ada@example.com"})
	svc, _ := newClockedService(t, &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)})
	if _, err := svc.CreateTenant(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		scopes []string
		want   string
	}{
		{[]string{"held", "log"}, "log,held"},
		{[]string{"held"}, "held"},
		{nil, "scim,sso,log"},
	} {
		_, l, err := svc.CreateSetupLink(ctx, "acme", 0, c.scopes)
		if err != nil || strings.Join(l.Scopes, ",") != c.want || l.Allows(roster.SetupScopeHeld) != strings.Contains(c.want, "held") {
			t.Errorf("CreateSetupLink(%v) = %v, %v; want %s", c.scopes, l, err, c.want)
		}
	}
}
