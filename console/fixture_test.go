package console

import (
	"context"
	"crypto/sha256"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

// The operators of every fixture, and their password.
const (
	adminEmail  = "ada@example.com"
	viewerEmail = "vic@example.com"
	password    = "correct horse battery"
)

// store is what a fixture's database offers: everything a server needs.
type store interface {
	roster.Store
}

// forEachStore runs test on a fresh SQLite file and a fresh PostgreSQL
// database (ROSTER_TEST_POSTGRES; skipped, saying so, without it).
func forEachStore(t *testing.T, test func(t *testing.T, db store)) {
	t.Run("sqlite", func(t *testing.T) { test(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		db, err := postgres.Open(context.Background(), testdb.Postgres(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		test(t, db)
	})
}

func openSQLite(t testing.TB) store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixture is a console on a real HTTP server on 127.0.0.1 over a real store,
// with two operators (an admin and a viewer) and a tenant "acme" holding one
// of everything the console's pages show.
type fixture struct {
	srv    *httptest.Server
	svc    *admin.Service
	db     store
	tenant *roster.Tenant
	// params gives each path parameter of the console's routes a value that
	// names something of the fixture, so that every route can be walked.
	params map[string]string
	// sealer seals the sign-in secrets of svc.
	sealer *sso.Sealer
}

// cliCtx is the context of what the fixture sets up, as the command line would.
var cliCtx = admin.WithActor(context.Background(), admin.Actor{Kind: "cli", Name: "test"})

func newFixture(t testing.TB, db store) *fixture {
	t.Helper()
	sealer := newSealer(t)
	svc := admin.New(db, time.Now, slog.New(slog.DiscardHandler)).WithSealer(sealer)
	f := &fixture{svc: svc, db: db, params: map[string]string{}, sealer: sealer}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages := New(svc, db, Options{PublicURL: "http://" + ln.Addr().String(), SCIMPath: "/scim/v2"}).Handler()
	for _, path := range []string{Prefix + "/", admin.SetupPath, admin.SetupPath + "/"} {
		mux.Handle(path, pages)
	}
	f.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	f.srv.Start()
	t.Cleanup(f.srv.Close)

	for _, o := range []struct{ email, role string }{{adminEmail, roster.OperatorAdmin}, {viewerEmail, roster.OperatorViewer}} {
		op, err := svc.CreateOperator(cliCtx, o.email, o.role, password)
		if err != nil {
			t.Fatal(err)
		}
		f.params["operator"] = op.ID // the viewer's, last
	}
	if f.tenant, err = svc.CreateTenant(cliCtx, "acme", "Acme Corporation"); err != nil {
		t.Fatal(err)
	}
	f.params["tenant"] = f.tenant.Name
	f.params["version"] = f.addPolicyVersions(t)
	_, tok, err := svc.CreateToken(cliCtx, "acme", "Entra production", 0)
	if err != nil {
		t.Fatal(err)
	}
	f.params["token"] = tok.ID
	// A setup link, through the store: the audit trail stays as it was.
	const linkSecret = "rsl_fixture-link-secret"
	sum := sha256.Sum256([]byte(linkSecret))
	link := &roster.SetupLink{TenantID: f.tenant.ID, Scopes: roster.SetupScopes, Prefix: linkSecret[:roster.TokenPrefixLen], Hash: sum[:],
		CreatedBy: "cli:test", Expires: time.Now().Add(admin.DefaultSetupLinkTTL).Truncate(time.Second)}
	if err := db.CreateSetupLink(context.Background(), link); err != nil {
		t.Fatal(err)
	}
	f.params["link"] = link.ID
	f.params["user"], f.params["group"] = f.addUserAndGroup(t)
	f.params["held"] = f.addHeld(t)
	f.params["webhook"] = f.addWebhook(t)
	if _, _, err := svc.SetOIDCSignIn(cliCtx, "acme", admin.OIDCSignIn{Issuer: "https://login.microsoftonline.com/" + testDirectory, ClientID: "0f7c2b1e-app", ClientSecret: fixtureClientSecret}); err != nil {
		t.Fatal(err)
	}
	_, key, err := svc.CreateAPIKey(cliCtx, "acme", "Reporting", "")
	if err != nil {
		t.Fatal(err)
	}
	f.params["apikey"] = key.ID
	_, client, err := svc.CreateClient(cliCtx, "Web app", []string{"https://app.example.com/callback"}, false)
	if err != nil {
		t.Fatal(err)
	}
	f.params["client"] = client.ID
	at := time.Now()
	row := &roster.LogEntry{TenantID: f.tenant.ID, Time: at, Latency: 3 * time.Millisecond, RequestID: roster.NewRequestID(at),
		Method: "POST", Route: "POST /scim/v2/Users", Action: "create", ResourceType: "User", ExternalID: "ext-ada",
		Name: "ada@acme.example", Status: 409, ScimType: "uniqueness", Reason: "username_taken", TokenPrefix: tok.Prefix,
		TokenName: tok.Name, Request: `{"userName":"ada@acme.example","password":"REDACTED"}`,
		Response: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness"}`}
	if err := db.AppendLog(context.Background(), []*roster.LogEntry{row}); err != nil {
		t.Fatal(err)
	}
	f.params["entry"] = strconv.FormatInt(row.ID, 10)
	return f
}

// addPolicyVersions sets two versions of acme's policy and returns the
// first's number, so that its page shows a diff and a rollback.
func (f *fixture) addPolicyVersions(t testing.TB) string {
	t.Helper()
	for _, doc := range []string{fixturePolicy1, fixturePolicy2} {
		if _, err := f.svc.SetPolicy(cliCtx, "acme", []byte(doc), admin.PolicySet{}); err != nil {
			t.Fatal(err)
		}
	}
	return "1"
}

// The fixture's policies: the second grants a license and ranks User below Admin.
const (
	fixturePolicy1 = `{"format":1,"roles":[{"value":"Admin","effect":"accessRole"}]}`
	fixturePolicy2 = `{"format":1,"roles":[{"value":"User","effect":"accessRole"},{"value":"Admin","effect":"accessRole"},{"value":"standard_license","effect":"license","grant":"standard"}]}`
)

// addUserAndGroup gives acme a user with a session and a provisioning log
// row, and a group holding it, and returns their ids.
func (f *fixture) addUserAndGroup(t testing.TB) (userID, groupID string) {
	t.Helper()
	ctx, acme := context.Background(), f.tenant.ID
	u := fixtureUser("ada@acme.example", "x-ada")
	if err := f.db.CreateUser(ctx, acme, u); err != nil {
		t.Fatal(err)
	}
	g := &roster.Group{DisplayName: "Engineering", Doc: map[string]any{"displayName": "Engineering"}, Members: []roster.Member{{ID: u.ID}}}
	if err := f.db.CreateGroup(ctx, acme, g); err != nil {
		t.Fatal(err)
	}
	ss := &roster.Session{TenantID: acme, UserID: u.ID, Expires: time.Now().Add(time.Hour),
		SignIn: roster.SignIn{Method: roster.LoginMethodIdP, Issuer: "https://login.microsoftonline.com/acme/v2.0", AuthTime: time.Now()}}
	if err := f.db.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	entry := &roster.LogEntry{TenantID: acme, Time: time.Now(), RequestID: roster.NewRequestID(time.Now()), Method: "POST",
		Route: "POST /scim/v2/Users", Action: "create", ResourceType: "User", ResourceID: u.ID, ExternalID: u.ExternalID, Name: u.UserName, Status: 201}
	if err := f.db.AppendLog(ctx, []*roster.LogEntry{entry}); err != nil {
		t.Fatal(err)
	}
	return u.ID, g.ID
}

// addHeld deletes two of acme's users under a guard of one removal an hour,
// so that the second delete is held, and returns the held operation's id.
func (f *fixture) addHeld(t testing.TB) string {
	t.Helper()
	ctx, guard := context.Background(), roster.DeprovisionGuard{Max: 1, Window: time.Hour}
	for _, name := range []string{"gone@acme.example", "held@acme.example"} {
		u := fixtureUser(name, "x-"+name)
		if err := f.db.CreateUser(ctx, f.tenant.ID, u); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.DeleteUserGuarded(ctx, f.tenant.ID, u.ID, 0, false, guard); err != nil {
			t.Fatal(err)
		}
	}
	ops, err := f.db.HeldOperations(ctx, f.tenant.ID, roster.HeldQuery{})
	if err != nil || len(ops) != 1 {
		t.Fatalf("held operations of the fixture: %d, %v; want 1", len(ops), err)
	}
	return ops[0].ID
}

// fixtureUser is a user as Entra ID provisions one: its email is its userName.
func fixtureUser(userName, externalID string) *roster.User {
	return &roster.User{UserName: userName, ExternalID: externalID, Active: true,
		Emails:       []roster.Email{{Value: userName, Type: "work", Primary: true}},
		Entitlements: roster.Entitlements{Active: true},
		Doc: map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": userName, "externalId": externalID, "active": true,
			"emails": []any{map[string]any{"value": userName, "type": "work", "primary": true}}}}
}

// The fixture's Entra directory, and the client secret of acme's connection.
const (
	testDirectory       = "9b1c3d2e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
	fixtureClientSecret = "fixture~client~secret~value"
)

// newSealer returns a sealer of sign-in secrets under a fresh key.
func newSealer(t testing.TB) *sso.Sealer {
	t.Helper()
	key, err := sso.ParseKey(sso.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := sso.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return sealer
}

// browser is an HTTP client with its own cookies, that does not follow
// redirects, so that tests see each answer.
type browser struct {
	t      testing.TB
	f      *fixture
	client *http.Client
}

func (f *fixture) anonymous(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, f: f, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn returns a browser signed in as the operator email.
func (f *fixture) signIn(t testing.TB, email string) *browser {
	t.Helper()
	b := f.anonymous(t)
	res := b.postForm(Prefix+"/login", url.Values{"email": {email}, "password": {password}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != Prefix+"/" {
		t.Fatalf("sign in as %s: %d %s\n%s", email, res.status, res.header.Get("Location"), res.body)
	}
	return b
}

// page is an answer of the console.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request and reads the whole answer.
func (b *browser) do(req *http.Request) answer {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header, string(body)}
}

func (b *browser) get(path string) answer {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.f.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// formToken is the form token of b's session, as the console's pages carry it.
func (b *browser) formToken() string {
	u, _ := url.Parse(b.f.srv.URL + Prefix + "/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == cookieName {
			return admin.FormToken(c.Value)
		}
	}
	return ""
}

// post sends form with b's form token, as the console's forms do.
func (b *browser) post(path string, form url.Values) answer {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfField, b.formToken())
	return b.postForm(path, form)
}

// postForm sends form as it is, with extra headers (name, value, …).
func (b *browser) postForm(path string, form url.Values, header ...string) answer {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// want fails the test unless the answer has status.
func (a answer) want(t testing.TB, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d\n%s", a.status, status, a.body)
	}
	return a
}

// testid returns the text of the first element whose data-testid is id, or
// "" when there is none: enough for the console's flat markup.
func (a answer) testid(id string) string {
	i := strings.Index(a.body, `data-testid="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := a.body[i:]
	start := strings.IndexByte(rest, '>')
	end := strings.Index(rest, "</")
	if start < 0 || end < start {
		return ""
	}
	return strings.TrimSpace(rest[start+1 : end])
}

// link returns the href of the first link whose data-testid is id, or "".
func (a answer) link(id string) string {
	i := strings.Index(a.body, `data-testid="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(a.body[:i], `href="`)
	if j < 0 {
		return ""
	}
	href := a.body[j+len(`href="`):]
	return html.UnescapeString(href[:strings.IndexByte(href, '"')])
}

// setupLink makes a setup link to acme with scopes (none: every scope) and
// returns its secret.
func (f *fixture) setupLink(t testing.TB, scopes ...string) string {
	t.Helper()
	if len(scopes) == 0 {
		scopes = roster.SetupScopes
	}
	secret, _, err := f.svc.CreateSetupLink(cliCtx, "acme", 0, scopes)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// customer returns a browser that redeemed a new setup link to acme with
// scopes (none: every scope), as the customer's IT admin does.
func (f *fixture) customer(t testing.TB, scopes ...string) *browser {
	t.Helper()
	b := f.anonymous(t)
	secret := f.setupLink(t, scopes...)
	b.get(admin.SetupPath+"?link="+url.QueryEscape(secret)).want(t, http.StatusOK)
	a := b.postForm(admin.SetupPath+"/start", url.Values{"link": {secret}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != admin.SetupPath+"/" {
		t.Fatalf("redeeming a setup link: %d %s\n%s", a.status, a.header.Get("Location"), a.body)
	}
	return b
}

// setupToken is the form token of b's setup session.
func (b *browser) setupToken() string {
	u, _ := url.Parse(b.f.srv.URL + admin.SetupPath + "/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == setupCookie {
			return admin.FormToken(c.Value)
		}
	}
	return ""
}

// setupPost sends form with b's setup form token, as the setup pages' forms do.
func (b *browser) setupPost(path string, form url.Values) answer {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfField, b.setupToken())
	return b.postForm(path, form)
}
