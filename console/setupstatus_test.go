package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/provlog"
)

func TestSetupOtherTenant(t *testing.T) { forEachStore(t, testSetupOtherTenant) }

// testSetupOtherTenant: a setup session of globex, given acme's ids (a
// token, a log row), finds none of them, and changes nothing of acme's;
// its pages show nothing of acme's.
func testSetupOtherTenant(t *testing.T, db store) {
	f := newFixture(t, db)
	if _, err := f.svc.CreateTenant(cliCtx, "globex", "Globex"); err != nil {
		t.Fatal(err)
	}
	c, _ := f.customerOf(t, "globex")
	p := admin.SetupPath
	if a := c.setupPost(p+"/tokens/"+f.params["token"]+"/revoke", nil); a.status != http.StatusNotFound {
		t.Errorf("revoking acme's token: %d, want 404", a.status)
	}
	if a := c.setupPost(p+"/tokens/no-such-token/revoke", nil); a.status != http.StatusNotFound {
		t.Errorf("revoking no token: %d, want 404", a.status)
	}
	if k, err := f.db.Token(cliCtx, f.params["token"]); err != nil || !k.Revoked.IsZero() {
		t.Errorf("acme's token: %v, %v", k, err)
	}
	for _, path := range []string{"/status/log/" + f.params["entry"], "/status/log/0", "/status/log/x"} {
		if a := c.get(p + path); a.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, a.status)
		}
	}
	for path, acmes := range map[string]string{
		"/provisioning": "Entra production",
		"/status":       "ada@acme.example",
		"/status/log":   "ada@acme.example",
		"/status/users": "ada@acme.example",
		// The search finds no group of acme's either.
		"/status/groups?q=Eng": "Engineering",
	} {
		a := c.get(p+path).want(t, http.StatusOK)
		if strings.Contains(a.body, acmes) {
			t.Errorf("GET %s shows acme's %s", path, acmes)
		}
	}
	// acme's own customer finds them.
	acme := f.customer(t)
	if a := acme.get(p+"/status/log/"+f.params["entry"]).want(t, http.StatusOK); a.testid("log-reason") != "username_taken" || a.testid("log-explanation") == "" {
		t.Errorf("acme's row: %q %q", a.testid("log-reason"), a.testid("log-explanation"))
	}
	if a := acme.get(p+"/status/groups?q=Eng").want(t, http.StatusOK); !strings.Contains(a.body, "Engineering") {
		t.Error("acme's groups page lacks Engineering")
	}
}

func TestSetupScopes(t *testing.T) { forEachStore(t, testSetupScopes) }

// testSetupScopes: provisioning needs the scim scope, the log, users and
// groups the log scope; the status page any.
func testSetupScopes(t *testing.T, db store) {
	f := newFixture(t, db)
	p := admin.SetupPath
	scim := f.customer(t, roster.SetupScopeSCIM)
	for _, path := range []string{"/status/log", "/status/log/" + f.params["entry"], "/status/users", "/status/groups"} {
		if a := scim.get(p + path); a.status != http.StatusForbidden {
			t.Errorf("GET %s with the scim scope: %d, want 403", path, a.status)
		}
	}
	if a := scim.get(p+"/status").want(t, http.StatusOK); a.link("log-page") != "" || a.link("failure-link") != "" {
		t.Error("the status page links to the log without the log scope")
	}
	log := f.customer(t, roster.SetupScopeLog)
	for _, path := range []string{"/provisioning", "/provisioning/status.json"} {
		if a := log.get(p + path); a.status != http.StatusForbidden {
			t.Errorf("GET %s with the log scope: %d, want 403", path, a.status)
		}
	}
	if a := log.setupPost(p+"/tokens", url.Values{"days": {"0"}}); a.status != http.StatusForbidden {
		t.Errorf("creating a token with the log scope: %d, want 403", a.status)
	}
	if a := log.setupPost(p+"/tokens/"+f.params["token"]+"/revoke", nil); a.status != http.StatusForbidden {
		t.Errorf("revoking a token with the log scope: %d, want 403", a.status)
	}
	a := log.get(p+"/status").want(t, http.StatusOK)
	if a.link("log-page") == "" || a.link("failure-link") == "" {
		t.Error("the status page of the log scope does not link to the log")
	}
	if got := log.get(a.link("failure-link")).want(t, http.StatusOK).testid("log-reason"); got != "username_taken" {
		t.Errorf("the failure's page: reason %q", got)
	}
}

func TestSetupStatusPages(t *testing.T) { forEachStore(t, testSetupStatusPages) }

// testSetupStatusPages reads the tenant's log, users and groups a page at a
// time, and searches users by userName.
func testSetupStatusPages(t *testing.T, db store) {
	f := newFixture(t, db)
	ctx := context.Background()
	seedLog(t, db, f.tenant.ID, 70)
	for i := range pageSize + 5 {
		if err := db.CreateUser(ctx, f.tenant.ID, fixtureUser(fmt.Sprintf("user%02d@acme.example", i), fmt.Sprintf("x-%d", i))); err != nil {
			t.Fatal(err)
		}
		g := &roster.Group{DisplayName: fmt.Sprintf("Team %02d", i), Doc: map[string]any{"displayName": fmt.Sprintf("Team %02d", i)}}
		if err := db.CreateGroup(ctx, f.tenant.ID, g); err != nil {
			t.Fatal(err)
		}
	}
	c := f.customer(t, roster.SetupScopeLog)
	p := admin.SetupPath

	first := c.get(p+"/status/log?idp=okta").want(t, http.StatusOK)
	if n := first.rows(); n != pageSize {
		t.Fatalf("log, first page: %d rows, want %d", n, pageSize)
	}
	next := first.link("next-page")
	if !strings.Contains(next, "idp=okta") {
		t.Errorf("the next page %q loses the identity provider", next)
	}
	if n := c.get(next).want(t, http.StatusOK).rows(); n != 72-pageSize {
		t.Errorf("log, second page: %d rows, want %d", n, 72-pageSize)
	}
	failed := c.get(p+"/status/log?outcome=failed").want(t, http.StatusOK)
	if n := failed.rows(); n != 8 {
		t.Errorf("failures only: %d rows, want 8", n)
	}
	if a := c.get(p + "/status/log?reason=nonsense"); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "reason-error") {
		t.Errorf("an unknown reason: %d", a.status)
	}

	users := c.get(p+"/status/users").want(t, http.StatusOK)
	if n := strings.Count(users.body, `data-testid="user-row"`); n != pageSize {
		t.Errorf("users, first page: %d rows, want %d", n, pageSize)
	}
	if n := strings.Count(c.get(users.link("next-page")).want(t, http.StatusOK).body, `data-testid="user-row"`); n != 6 {
		t.Errorf("users, second page: %d rows, want 6", n)
	}
	found := c.get(p+"/status/users?q=USER07").want(t, http.StatusOK)
	if n := strings.Count(found.body, `data-testid="user-row"`); n != 1 || !strings.Contains(found.body, "user07@acme.example") || found.link("next-page") != "" {
		t.Errorf("search by userName: %d rows", n)
	}

	groups := c.get(p+"/status/groups").want(t, http.StatusOK)
	if n := strings.Count(groups.body, `data-testid="group-row"`); n != pageSize {
		t.Errorf("groups, first page: %d rows, want %d", n, pageSize)
	}
	if n := strings.Count(c.get(groups.link("next-page")).want(t, http.StatusOK).body, `data-testid="group-row"`); n != 6 {
		t.Errorf("groups, second page: %d rows, want 6", n)
	}

	st := c.get(p+"/status").want(t, http.StatusOK)
	if st.testid("users-count") != fmt.Sprint(pageSize+6) || st.testid("groups-count") != fmt.Sprint(pageSize+6) {
		t.Errorf("counts: %s users, %s groups", st.testid("users-count"), st.testid("groups-count"))
	}
	if n := strings.Count(st.body, `data-testid="failure-row"`); n != 8 {
		t.Errorf("recent failures: %d rows, want the 8 of the log", n)
	}
}

func TestSetupConnectionStates(t *testing.T) { forEachStore(t, testSetupConnectionStates) }

// testSetupConnectionStates appends rows to a new tenant's log one by one
// and reads the connection's status after each: the newest SCIM request
// decides, a refusal (a rate limit, the tenant disabled) over an older
// accepted request, any accepted one (a 409 too) over an older refusal;
// sign-ins and other tenants' refusals count for nothing.
func testSetupConnectionStates(t *testing.T, db store) {
	f := newFixture(t, db)
	if _, err := f.svc.CreateTenant(cliCtx, "globex", "Globex"); err != nil {
		t.Fatal(err)
	}
	_, tok, err := f.svc.CreateToken(cliCtx, "globex", "Okta", 0)
	if err != nil {
		t.Fatal(err)
	}
	globex, _ := f.db.Tenant(cliCtx, "globex")
	_, acmeToks, _ := f.svc.Tokens(cliCtx, "acme")
	c, _ := f.customerOf(t, "globex", roster.SetupScopeSCIM)
	base := time.Now().Add(-time.Hour)
	n := 0
	row := func(tenantID, prefix, action string, status int, reason string) *roster.LogEntry {
		n++
		return &roster.LogEntry{TenantID: tenantID, Time: base.Add(time.Duration(n) * time.Second), RequestID: fmt.Sprintf("req-%d", n),
			Method: "GET", Route: "GET /scim/v2/Users", Action: action, Status: status, Reason: reason, TokenPrefix: prefix}
	}
	for _, step := range []struct {
		name         string
		rows         []*roster.LogEntry
		state, why   string
		lastAccepted bool
	}{
		{"nothing yet", nil, "waiting", "", false},
		{"Test Connection", []*roster.LogEntry{row(globex.ID, tok.Prefix, "test-connection", 200, "")}, "connected", "", false},
		{"the rate limit", []*roster.LogEntry{row(globex.ID, tok.Prefix, "list", 429, "rate_limited")}, "refused", "rate_limited", true},
		{"a 409", []*roster.LogEntry{row(globex.ID, tok.Prefix, "create", 409, "username_taken")}, "connected", "", false},
		{"a refused sign-in", []*roster.LogEntry{row(globex.ID, "", "sign-in", 401, "signin_password_wrong")}, "connected", "", false},
		{"another tenant's revoked token", []*roster.LogEntry{row("", acmeToks[0].Prefix, "list", 401, "token_revoked")}, "connected", "", false},
		{"the tenant disabled", []*roster.LogEntry{row(globex.ID, tok.Prefix, "list", 403, "tenant_disabled")}, "refused", "tenant_disabled", true},
		{"its token revoked, many times", repeat(recentRows+1, func() *roster.LogEntry { return row("", tok.Prefix, "list", 401, "token_revoked") }), "refused", "token_revoked", true},
		{"its token whitespace, more than the rows read", repeat(recentRows+1, func() *roster.LogEntry { return row(globex.ID, tok.Prefix, "list", 401, "token_whitespace") }), "refused", "token_whitespace", true},
	} {
		if len(step.rows) > 0 {
			if err := db.AppendLog(context.Background(), step.rows); err != nil {
				t.Fatal(err)
			}
		}
		st := c.status()
		want, _ := provlog.Explain(step.why)
		if st.State != step.state || st.Explanation != want.Explanation || strings.Contains(st.Detail, "last request accepted") != step.lastAccepted {
			t.Errorf("after %s: %+v, want %s %s", step.name, st, step.state, step.why)
		}
	}
}

// repeat returns n rows of row.
func repeat(n int, row func() *roster.LogEntry) []*roster.LogEntry {
	rows := make([]*roster.LogEntry, n)
	for i := range rows {
		rows[i] = row()
	}
	return rows
}
