package console

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/scim/server"
)

// scimServer is a SCIM server over a fixture's store on 127.0.0.1, writing
// its provisioning log every 10 ms, as roster serve does every 250.
type scimServer struct {
	t *testing.T
	// url is the SCIM base URL, root the server's: a Tenant URL pasted
	// without /scim/v2.
	url, root string
	rec       *provlog.Recorder
}

func startSCIM(t *testing.T, db store) *scimServer {
	t.Helper()
	rec := provlog.New(db, provlog.Options{Interval: 10 * time.Millisecond})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	mux := http.NewServeMux()
	scim := server.New(db, server.Options{Log: rec, ConfigRefresh: -1, TokenCache: -1})
	mux.Handle(server.Prefix+"/", scim.Handler())
	for _, path := range server.MisroutedPaths {
		mux.Handle(path, scim.Misrouted())
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &scimServer{t: t, url: srv.URL + server.Prefix, root: srv.URL, rec: rec}
}

// send sends a SCIM request with the Authorization header auth ("" for
// none) and returns its status, once its log row is written.
func (s *scimServer) send(method, path, auth string) int {
	s.t.Helper()
	return s.sendTo(s.url, method, path, auth)
}

// sendTo is send to the base URL base.
func (s *scimServer) sendTo(base, method, path, auth string) int {
	s.t.Helper()
	before := s.rec.Written()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	for deadline := time.Now().Add(10 * time.Second); s.rec.Written() == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s %s: no log row written", method, path)
		}
	}
	return res.StatusCode
}

// testConnection is the request of Entra ID's Test Connection: a lookup of
// a random GUID as userName (cmd/roster/testdata/entra).
func testConnection() (path, guid string) {
	b := make([]byte, 16)
	rand.Read(b)
	guid = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	return "/Users?filter=" + strings.NewReplacer(" ", "%20", `"`, "%22").Replace(`userName eq "`+guid+`"`), guid
}

// customerOf returns a browser that redeemed a new setup link to the tenant
// name with scopes (none: every scope), and the link's id.
func (f *fixture) customerOf(t *testing.T, name string, scopes ...string) (*browser, string) {
	t.Helper()
	if len(scopes) == 0 {
		scopes = roster.SetupScopes
	}
	secret, l, err := f.svc.CreateSetupLink(cliCtx, name, 0, scopes)
	if err != nil {
		t.Fatal(err)
	}
	b := f.anonymous(t)
	if a := b.postForm(admin.SetupPath+"/start", url.Values{"link": {secret}}); a.status != http.StatusSeeOther {
		t.Fatalf("redeeming a setup link to %s: %d\n%s", name, a.status, a.body)
	}
	return b, l.ID
}

// status reads the connection's status as the page's script does.
func (b *browser) status() connection {
	b.t.Helper()
	a := b.get(admin.SetupPath+"/provisioning/status.json").want(b.t, http.StatusOK)
	var c connection
	if err := json.Unmarshal([]byte(a.body), &c); err != nil || a.header.Get("Content-Type") != "application/json" {
		b.t.Fatalf("status.json: %v, %s: %s", err, a.header.Get("Content-Type"), a.body)
	}
	return c
}

// waitStatus polls the status until its state is want, for a few seconds.
func (b *browser) waitStatus(want string, within time.Duration) connection {
	b.t.Helper()
	deadline := time.Now().Add(within)
	for {
		c := b.status()
		if c.State == want {
			return c
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("status %q (%s), want %q within %s", c.State, c.Detail, want, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSetupProvisioning(t *testing.T) { forEachStore(t, testSetupProvisioning) }

// testSetupProvisioning takes a new tenant's provisioning step as its IT
// admin does, with a plain HTTP client (no script): the Tenant URL, a token
// shown once, Entra's Test Connection seen as connected, a token pasted with
// a space and a revoked token explained, a second token working beside the
// first until the first is revoked.
func testSetupProvisioning(t *testing.T, db store) {
	f := newFixture(t, db)
	if _, err := f.svc.CreateTenant(cliCtx, "globex", "Globex"); err != nil {
		t.Fatal(err)
	}
	scim := startSCIM(t, db)
	c, linkID := f.customerOf(t, "globex", roster.SetupScopeSCIM)
	const page, create = admin.SetupPath + "/provisioning?idp=entra", admin.SetupPath + "/tokens?idp=entra"

	a := c.get(page).want(t, http.StatusOK)
	if got, want := a.testid("tenant-url"), f.srv.URL+"/scim/v2"; got != want {
		t.Errorf("tenant-url %q, want %q", got, want)
	}
	if a.testid("connection-status") != "waiting" || a.testid("secret-token") != "" || a.testid("basic-user") != "globex" {
		t.Errorf("a new tenant's page: status %q, secret %q, basic user %q", a.testid("connection-status"), a.testid("secret-token"), a.testid("basic-user"))
	}
	if !strings.Contains(a.body, "Secret Token") || !strings.Contains(a.body, `data-status-url="/setup/provisioning/status.json"`) {
		t.Error("the page names no Entra field, or has no status for its script")
	}
	if a := c.get(admin.SetupPath + "/provisioning?idp=okta"); !strings.Contains(a.body, "SCIM connector base URL") {
		t.Error("Okta's page does not name Okta's field")
	}

	// A token, shown once.
	a = c.setupPost(create, url.Values{"name": {"Entra production"}, "days": {"0"}}).want(t, http.StatusOK)
	first := a.testid("secret-token")
	if !strings.HasPrefix(first, "rst_") {
		t.Fatalf("no secret on the answer to the form: %q", first)
	}
	if a := c.get(page); strings.Contains(a.body, first) || a.testid("secret-token") != "" {
		t.Error("the page shows the secret again")
	}
	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "globex", Limit: 1})
	if err != nil || len(rows) != 1 || rows[0].Action != "token.create" || rows[0].Actor != "setup-link:"+linkID || strings.Contains(fmt.Sprint(rows[0]), first) {
		t.Errorf("audit: %v, %v", rows, err)
	}

	// Entra's Test Connection: connected, with the request.
	test, guid := testConnection()
	if got := scim.send("GET", test, "Bearer "+first); got != http.StatusOK {
		t.Fatalf("Test Connection: %d", got)
	}
	st := c.waitStatus("connected", 2*time.Second)
	if !strings.Contains(st.Detail, guid) || st.Badge != "ok" {
		t.Errorf("connected: %+v", st)
	}
	if a := c.get(page); a.testid("connection-status") != "connected" || !strings.Contains(a.testid("connection-detail"), guid) {
		t.Errorf("the page without its script: %q %q", a.testid("connection-status"), a.testid("connection-detail"))
	}

	// The token pasted with a space before it: refused, and why.
	if got := scim.send("GET", test, "Bearer  "+first); got != http.StatusUnauthorized {
		t.Fatalf("a token with a space: %d", got)
	}
	st = c.status()
	if want, _ := provlog.Explain("token_whitespace"); st.State != "refused" || st.Explanation != want.Explanation || st.Advice == "" {
		t.Errorf("after a token with a space: %+v", st)
	}
	if a := c.get(page); a.testid("connection-status") != "refused" || a.testid("connection-explanation") == "" {
		t.Errorf("the page after a refusal: %q %q", a.testid("connection-status"), a.testid("connection-explanation"))
	}

	// A second token: both work until the first is revoked.
	second := c.setupPost(create, url.Values{"name": {"Entra rotation"}, "days": {"90"}}).want(t, http.StatusOK).testid("secret-token")
	if !strings.HasPrefix(second, "rst_") || second == first {
		t.Fatalf("second token %q", second)
	}
	for _, secret := range []string{first, second} {
		if got := scim.send("GET", test, "Bearer "+secret); got != http.StatusOK {
			t.Errorf("a token once there are two: %d", got)
		}
	}
	if st := c.status(); st.State != "connected" {
		t.Errorf("after good requests again: %+v", st)
	}
	if n := c.get(page).testid("basic-tokens"); n != "2" {
		t.Errorf("live tokens: %s, want 2", n)
	}
	_, toks, err := f.svc.Tokens(cliCtx, "globex")
	if err != nil || len(toks) != 2 {
		t.Fatalf("tokens: %v %v", toks, err)
	}
	old := toks[1] // newest first
	if !strings.HasPrefix(first, old.Prefix) {
		t.Fatalf("the older token %s is not the first", old.Prefix)
	}
	if a := c.setupPost(admin.SetupPath+"/tokens/"+old.ID+"/revoke?idp=entra", nil); a.status != http.StatusSeeOther ||
		a.header.Get("Location") != admin.SetupPath+"/provisioning?idp=entra#tokens" {
		t.Fatalf("revoke: %d %s", a.status, a.header.Get("Location"))
	}
	if rows, _ := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "globex", Limit: 1}); rows[0].Action != "token.revoke" || rows[0].Target != old.ID {
		t.Errorf("audit of the revocation: %+v", rows[0])
	}

	// The revoked token, logged without a tenant, is the tenant's by its prefix.
	if got := scim.send("GET", test, "Bearer "+first); got != http.StatusUnauthorized {
		t.Fatalf("the revoked token: %d", got)
	}
	st = c.status()
	if want, _ := provlog.Explain("token_revoked"); st.State != "refused" || st.Explanation != want.Explanation {
		t.Errorf("after the revoked token: %+v", st)
	}
	if got := scim.send("GET", test, "Bearer "+second); got != http.StatusOK {
		t.Fatalf("the second token after the first was revoked: %d", got)
	}
	c.waitStatus("connected", 2*time.Second)

	// The Tenant URL pasted without /scim/v2: refused, and why.
	if got := scim.sendTo(scim.root, "GET", test, "Bearer "+second); got != http.StatusNotFound {
		t.Fatalf("a URL without /scim/v2: %d", got)
	}
	st = c.status()
	if want, _ := provlog.Explain("url_without_prefix"); st.State != "refused" || st.Explanation != want.Explanation || !strings.Contains(st.Advice, "/scim/v2") {
		t.Errorf("after a URL without /scim/v2: %+v", st)
	}
	if got := scim.send("GET", test, "Bearer "+second); got != http.StatusOK {
		t.Fatalf("the second token at the Tenant URL: %d", got)
	}
	c.waitStatus("connected", 2*time.Second)

	// A token of no tenant cannot be told from anyone's: the status stays.
	stranger, _, _ := roster.NewTokenSecret()
	if got := scim.send("GET", test, "Bearer "+stranger); got != http.StatusUnauthorized {
		t.Fatalf("a stranger's token: %d", got)
	}
	if st := c.status(); st.State != "connected" {
		t.Errorf("after a stranger's token: %+v", st)
	}

	// The status page: the last sync, and the refusals with their explanations.
	a = c.get(admin.SetupPath+"/status?idp=entra").want(t, http.StatusOK)
	if a.testid("last-sync") == "none yet" || a.testid("last-sync-request") != "GET /scim/v2/Users" {
		t.Errorf("last sync: %q %q", a.testid("last-sync"), a.testid("last-sync-request"))
	}
	for _, reason := range []string{"token_revoked", "token_whitespace"} {
		x, _ := provlog.Explain(reason)
		if !strings.Contains(a.body, ">"+reason+"<") || !strings.Contains(a.body, x.Explanation) {
			t.Errorf("the status page lacks the refusal %s and its explanation", reason)
		}
	}
	if strings.Contains(a.body, "token_unknown") {
		t.Error("the status page shows a stranger's refusal")
	}
	if a.link("log-page") != "" {
		t.Error("a link without the log scope leads to the log")
	}

	// The form refused keeps what was typed.
	a = c.setupPost(create, url.Values{"name": {"Okta"}, "days": {"forever"}}).want(t, http.StatusUnprocessableEntity)
	if a.testid("token-error") == "" || !strings.Contains(a.body, `value="Okta"`) || a.testid("secret-token") != "" {
		t.Errorf("refused form: %q", a.testid("token-error"))
	}
}
