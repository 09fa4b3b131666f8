package console

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
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
}

// cliCtx is the context of what the fixture sets up, as the command line would.
var cliCtx = admin.WithActor(context.Background(), admin.Actor{Kind: "cli", Name: "test"})

func newFixture(t testing.TB, db store) *fixture {
	t.Helper()
	svc := admin.New(db, time.Now, slog.New(slog.DiscardHandler))
	f := &fixture{svc: svc, db: db, params: map[string]string{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix+"/", New(svc, db, Options{PublicURL: "http://" + ln.Addr().String(), SCIMPath: "/scim/v2"}).Handler())
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
	_, tok, err := svc.CreateToken(cliCtx, "acme", "Entra production", 0)
	if err != nil {
		t.Fatal(err)
	}
	f.params["token"] = tok.ID
	return f
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
