package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// addUsers creates n users in the tenant through the store, as SCIM would.
func addUsers(t testing.TB, db store, tenantID string, n int) {
	t.Helper()
	for i := range n {
		name := fmt.Sprintf("user%05d@example.com", i)
		u := &roster.User{UserName: name, Active: true, Doc: map[string]any{"schemas": []any{filter.UserURN}, "userName": name, "active": true}}
		if err := db.CreateUser(context.Background(), tenantID, u); err != nil {
			t.Fatal(err)
		}
	}
}

// logEntry is a SCIM request of the tenant as the provisioning log keeps it.
func logEntry(tenantID string, at time.Time, action string, status int) *roster.LogEntry {
	return &roster.LogEntry{TenantID: tenantID, Time: at, RequestID: roster.NewRequestID(at), Method: "GET",
		Route: "GET /scim/v2/Users", Action: action, Status: status}
}

func TestTenantsStats(t *testing.T) { forEachStore(t, testTenantsStats) }

// testTenantsStats: each row of the tenants page shows its tenant's users,
// groups, latest request, error share and 429s of the last day, when its
// tokens run out and its webhook backlog.
func testTenantsStats(t *testing.T, db store) {
	f := newFixture(t, db)
	ctx := context.Background()
	omega := freshTenant(t, f, "omega") // the fixture's acme has rows of its own
	addUsers(t, db, omega, 2)
	g := &roster.Group{DisplayName: "Staff", Doc: map[string]any{"schemas": []any{filter.GroupURN}, "displayName": "Staff"}}
	if err := db.CreateGroup(ctx, omega, g); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateWebhook(ctx, &roster.Webhook{TenantID: omega, URL: "https://app.example/hook", Secret: "s"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	last := now.Add(-time.Hour)
	err := db.AppendLog(ctx, []*roster.LogEntry{
		logEntry(omega, now.Add(-3*time.Hour), "list", 200),
		logEntry(omega, now.Add(-2*time.Hour), "create", 500),
		logEntry(omega, last, "update", 429),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"beta", "gamma", "delta"} {
		if _, err := f.svc.CreateTenant(cliCtx, name, ""); err != nil {
			t.Fatal(err)
		}
	}
	soon := now.Add(10 * 24 * time.Hour)
	if _, _, err := f.svc.CreateToken(cliCtx, "gamma", "", soon.Sub(now)); err != nil {
		t.Fatal(err)
	}
	delta, _ := f.svc.Tenant(cliCtx, "delta")
	if err := db.CreateToken(ctx, &roster.Token{TenantID: delta.ID, Prefix: "rst_expired0", Hash: []byte("h"), Expires: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}

	vic := f.signIn(t, viewerEmail)
	a := vic.get(Prefix+"/?q=omega").want(t, http.StatusOK)
	for id, want := range map[string]string{
		"tenant-users": "2", "tenant-groups": "1", "tenant-last-request": stampOf(last), "tenant-errors": "66.7%",
		"tenant-throttled": "1", "tenant-token-expiry": "never", "tenant-backlog": "3",
	} {
		if got := a.testid(id); got != want {
			t.Errorf("omega's %s = %q, want %q", id, got, want)
		}
	}
	for name, want := range map[string]map[string]string{
		"beta":  {"tenant-users": "0", "tenant-last-request": "never", "tenant-errors": "–", "tenant-token-expiry": "no token", "tenant-backlog": "0"},
		"gamma": {"tenant-token-expiry": stampOf(soon)},
		"delta": {"tenant-token-expiry": "expired"},
	} {
		a := vic.get(Prefix+"/?q="+name).want(t, http.StatusOK)
		for id, want := range want {
			if got := a.testid(id); got != want {
				t.Errorf("%s's %s = %q, want %q", name, id, got, want)
			}
		}
		if name == "gamma" && !strings.Contains(a.body, `class="badge warn" data-testid="tenant-token-expiry"`) {
			t.Error("tokens that run out within 30 days are not marked")
		}
	}
}

func TestConnectionStatus(t *testing.T) { forEachStore(t, testConnectionStatus) }

// testConnectionStatus: a tenant's connection page says how HTTP Basic
// reaches it, whether Entra's Test Connection was seen, and when its last
// request succeeded.
func testConnectionStatus(t *testing.T, db store) {
	f := newFixture(t, db)
	ctx := context.Background()
	omega := freshTenant(t, f, "omega") // the fixture's acme has rows of its own
	vic := f.signIn(t, viewerEmail)
	a := vic.get(Prefix+"/tenants/omega").want(t, http.StatusOK)
	for id, want := range map[string]string{
		"connection-status": "Test Connection not seen", "last-success": "never", "last-request": "never",
		"basic-user": "omega", "basic-tokens": "1",
	} {
		if got := a.testid(id); got != want {
			t.Errorf("before any request, %s = %q, want %q", id, got, want)
		}
	}
	if got, want := a.link("tenant-audit"), Prefix+"/audit?tenant=omega"; got != want {
		t.Errorf("link to the tenant's audit trail %q, want %q", got, want)
	}

	now := time.Now().UTC()
	tested, ok := now.Add(-2*time.Hour), now.Add(-90*time.Minute)
	err := db.AppendLog(ctx, []*roster.LogEntry{
		logEntry(omega, tested, "test-connection", 200),
		logEntry(omega, ok, "create", 201),
		logEntry(omega, now.Add(-time.Hour), "update", 401),
	})
	if err != nil {
		t.Fatal(err)
	}
	a = vic.get(Prefix+"/tenants/omega").want(t, http.StatusOK)
	for id, want := range map[string]string{
		"connection-status": "Test Connection seen " + stampOf(tested), "last-success": stampOf(ok),
		"last-request": stampOf(now.Add(-time.Hour)), "requests-24h": "3 requests, 1 failed, 0 refused for the rate limit (429)",
	} {
		if got := a.testid(id); got != want {
			t.Errorf("after requests, %s = %q, want %q", id, got, want)
		}
	}
	_, toks, _ := f.svc.Tokens(cliCtx, "omega")
	if err := f.svc.RevokeToken(cliCtx, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := vic.get(Prefix + "/tenants/omega").testid("basic-tokens"); got != "0" {
		t.Errorf("live tokens after the revocation: %q", got)
	}
}

// stampOf is t as the console prints it.
func stampOf(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// TestBacklog: a backlog past what the store counts reads as such.
func TestBacklog(t *testing.T) {
	for n, want := range map[int64]string{0: "0", roster.MaxBacklog: "10000", roster.MaxBacklog + 1: "more than 10000"} {
		if got := backlog(n); got != want {
			t.Errorf("backlog(%d) = %q, want %q", n, got, want)
		}
	}
}

// freshTenant creates the tenant name with one token that never expires, and
// returns its id.
func freshTenant(t *testing.T, f *fixture, name string) string {
	t.Helper()
	tn, err := f.svc.CreateTenant(cliCtx, name, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateToken(cliCtx, name, "", 0); err != nil {
		t.Fatal(err)
	}
	return tn.ID
}
