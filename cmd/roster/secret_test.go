package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/store/sqlite"
)

// rawRequest sends a request with exactly the given Authorization header and
// returns the response's status and body.
func rawRequest(t *testing.T, method, url, auth, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(raw)
}

// wantNoSecret fails the test when any of the secrets is in text.
func wantNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s holds the secret %q:\n%.600s", where, s, text)
		}
	}
}

// TestCredentialNeverEchoed sends a live token, an API key and client
// secrets in every malformed way to the SCIM API, the app API and the OAuth
// token endpoint: no refusal quotes the secret, and neither do the
// provisioning log's rows, read back through roster log and the app API.
func TestCredentialNeverEchoed(t *testing.T) { forEachStore(t, testCredentialNeverEchoed) }

func testCredentialNeverEchoed(t *testing.T, db string) {
	env := map[string]string{}
	if strings.HasPrefix(db, "postgres") {
		env["ROSTER_SECRET_KEY"] = sso.NewKey()
	}
	s := startServerEnv(t, db, env)
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	root := strings.TrimSuffix(s.base, "/scim/v2")
	tokenTail, keyTail := s.token[12:], key[12:]
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}

	for _, auth := range []string{
		s.token,                       // no scheme at all
		"Token " + s.token,            // a scheme that is not Bearer
		"bearer" + s.token,            // no space
		s.token + " " + s.token,       // the token twice
		"Bearer " + s.token + "x",     // a wrong token with a live prefix
		"Bearer  " + s.token,          // whitespace
		basic("nobody", s.token),      // Basic naming another tenant
		basic("default", s.token+"x"), // Basic with a wrong password
		"Basic " + s.token,            // Basic that is not base64
		key,                           // an API key as a SCIM token
	} {
		status, body := rawRequest(t, "GET", s.base+"/Users", auth, "", "")
		if status != http.StatusUnauthorized {
			t.Errorf("SCIM with %.20q…: status %d, want 401", auth, status)
		}
		wantNoSecret(t, "SCIM refusal", body, tokenTail, keyTail)
	}
	for _, auth := range []string{key, "Token " + key, "Bearer " + key + "x", "Bearer " + s.token, "Basic " + key} {
		status, body := rawRequest(t, "GET", root+"/api/v1/users", auth, "", "")
		if status != http.StatusUnauthorized {
			t.Errorf("app API with %.20q…: status %d, want 401", auth, status)
		}
		wantNoSecret(t, "app API refusal", body, tokenTail, keyTail)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {"nobody"}, "client_secret": {s.token}}
	_, body := rawRequest(t, "POST", root+sso.TokenPath, "", "application/x-www-form-urlencoded", form.Encode())
	wantNoSecret(t, "token endpoint refusal", body, tokenTail)
	_, body = rawRequest(t, "POST", root+sso.TokenPath, basic("nobody", s.token), "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x")
	wantNoSecret(t, "token endpoint refusal", body, tokenTail)

	// The refusals' rows: every one is counted (the first of each kind in a
	// minute has a row of its own, the rest one "repeated" row, written when
	// the minute ends or the server stops), none with the secret.
	s.logRows(t, 1, "--status", "401")
	page := s.app(t, key, "/provisioning-log?status=4xx&limit=1000").want(t, 200)
	wantNoSecret(t, "/api/v1/provisioning-log", page.raw, tokenTail, keyTail)
	s.stop()
	counted := 0
	for _, row := range s.logRows(t, 1, "--status", "401", "--limit", "1000") {
		if row["action"] != "repeated" {
			counted++
			continue
		}
		var n struct {
			Repeated int `json:"repeated"`
		}
		if err := json.Unmarshal([]byte(str(row, "response")), &n); err != nil {
			t.Errorf("repeated row's response: %v %s", err, str(row, "response"))
		}
		counted += n.Repeated
	}
	if counted < 10 {
		t.Errorf("roster log accounts for %d refusals with 401, want 10", counted)
	}
	wantNoSecret(t, "roster log", s.cli(t, "log", "--json", "--limit", "1000"), tokenTail, keyTail)
}

// acmeURN is a tenant extension with a sensitive attribute, pin.
const acmeURN = "urn:example:params:scim:schemas:extension:acme:2.0:User"

// TestPasswordNeverLogged writes passwords and a tenant's sensitive
// attribute in every form the SCIM API accepts (any case of keys and
// operation fields, URN-qualified keys and paths, value paths, objects of
// no-path operations, bodies that are not JSON, values that are not
// strings): none of them is answered, and none reaches a provisioning log
// row read back through roster log and the app API.
func TestPasswordNeverLogged(t *testing.T) { forEachStore(t, testPasswordNeverLogged) }

func testPasswordNeverLogged(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	s.setPolicy(t, `{"format":1,"extensions":[{"schema":"`+acmeURN+`","attributes":[{"name":"pin","sensitive":true},{"name":"badge"}]}]}`)
	const user = `urn:ietf:params:scim:schemas:core:2.0:User`
	patchOp := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`
	var secrets []string
	secret := func() string {
		v := "Hunter2-" + strconv.Itoa(len(secrets)) + "-zq"
		secrets = append(secrets, v)
		return v
	}
	create := func(extra string) string {
		b := entraUser(t, "u"+strconv.Itoa(len(secrets))+"@contoso.com", "ext-"+strconv.Itoa(len(secrets)))
		return strings.Replace(b, `"active": true,`, `"active": true, `+extra+`,`, 1)
	}
	r := s.do(t, "POST", "/Users", create(`"`+user+`:password": "`+secret()+`"`)).want(t, 201)
	id := str(r.body, "id")
	s.do(t, "POST", "/Users", create(`"PassWord": "`+secret()+`", "`+acmeURN+`": {"PIN": "`+secret()+`", "badge": "b1"}`)).want(t, 201)
	s.do(t, "POST", "/Users", create(`"`+strings.ToUpper(user)+`": {"password": "`+secret()+`"}`))
	s.do(t, "POST", "/Users", `{"schemas":["`+user+`"],"userName":"x","password":"`+secret()+`"`).wantError(t, 400, "invalidSyntax")
	numeric := "12345678999"
	secrets = append(secrets, numeric)
	s.do(t, "POST", "/Users", create(`"password": `+numeric)).wantError(t, 400, "invalidValue")
	for _, op := range []string{
		`{"op":"replace","path":"password","value":"` + secret() + `"}`,
		`{"Op":"Replace","Path":"password","Value":"` + secret() + `"}`,
		`{"OP":"REPLACE","PATH":"PASSWORD","VALUE":"` + secret() + `"}`,
		`{"op":"replace","path":"` + user + `:password","value":"` + secret() + `"}`,
		`{"op":"add","path":"` + user + `:Password","value":"` + secret() + `"}`,
		`{"op":"replace","value":{"` + user + `:password":"` + secret() + `"}}`,
		`{"op":"Replace","value":{"PASSWORD":"` + secret() + `","title":"Countess"}}`,
		`{"op":"replace","value":{"` + user + `":{"password":"` + secret() + `"}}}`,
		`{"value":"` + secret() + `","op":"replace","path":"password"}`,
		`{"op":"replace","path":"` + acmeURN + `:pin","value":"` + secret() + `"}`,
		`{"op":"replace","path":"` + acmeURN + `:PIN","value":"` + secret() + `"}`,
		`{"op":"replace","value":{"` + acmeURN + `":{"pin":"` + secret() + `"}}}`,
		`{"op":"replace","value":{"` + acmeURN + `:pin":"` + secret() + `"}}`,
		`{"op":"replace","path":"` + acmeURN + `","value":{"pin":"` + secret() + `"}}`,
		`{"op":"replace","path":"password","value":` + numeric + `}`,
	} {
		res := s.do(t, "PATCH", "/Users/"+id, fmt.Sprintf(patchOp, op))
		if res.status >= 500 {
			t.Fatalf("PATCH %s: %d %s", op, res.status, res.raw)
		}
		wantNoSecret(t, "PATCH response", res.raw, secrets...)
	}
	put := s.do(t, "PUT", "/Users/"+id, create(`"password": "`+secret()+`"`))
	wantNoSecret(t, "PUT response", put.raw, secrets...)
	s.do(t, "GET", "/Users?filter="+q(`password eq "`+secret()+`"`), "").want(t, 200)
	if got := s.do(t, "GET", "/Users/"+id, "").want(t, 200); strings.Contains(got.raw, `"pin"`) {
		t.Errorf("a sensitive attribute is returned: %s", got.raw)
	}

	rows := s.logRows(t, 23, "--limit", "1000")
	if len(rows) < 23 {
		t.Fatalf("roster log: %d rows, want 23", len(rows))
	}
	b, _ := json.Marshal(rows)
	if !strings.Contains(string(b), "REDACTED") || !strings.Contains(string(b), "b1") {
		t.Errorf("the rows show no redaction, or lost what is not secret: %s", b)
	}
	wantNoSecret(t, "roster log", string(b), secrets...)
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	page := s.app(t, key, "/provisioning-log?limit=1000").want(t, 200)
	wantNoSecret(t, "/api/v1/provisioning-log", page.raw, secrets...)
}

// TestAdminListenerSecrets checks what the admin listener serves: no pprof
// unless asked, never the command line (which may hold the database URL with
// its password), and a configuration printout with the password masked.
func TestAdminListenerSecrets(t *testing.T) { forEachStore(t, testAdminListenerSecrets) }

func testAdminListenerSecrets(t *testing.T, db string) {
	const password = "Hunter2-db-zq"
	withPassword := func(db string) string {
		u, err := url.Parse(db)
		if err != nil || u.Scheme != "postgres" {
			return db
		}
		u.User = url.UserPassword(u.User.Username(), password) // trust auth ignores it
		return u.String()
	}
	db = withPassword(db)
	get := func(url string) (int, string) { return rawRequest(t, "GET", url, "", "", "") }
	env := map[string]string{"ROSTER_LOG_LEVEL": "info"}
	s := startServerEnv(t, db, env)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap", "/debug/pprof/profile"} {
		if status, _ := get(s.admin + path); status != http.StatusNotFound {
			t.Errorf("GET %s without --pprof: %d, want 404", path, status)
		}
	}
	if status, _ := get(s.admin + "/metrics"); status != http.StatusOK {
		t.Errorf("GET /metrics: %d", status)
	}
	s.stdout.waitFor(t, "starting")
	if out := s.stdout.String(); !strings.Contains(out, "pprof=false") {
		t.Errorf("the configuration printout does not say pprof=false:\n%s", out)
	}
	s.stop()

	env["ROSTER_PPROF"] = "true"
	fresh := sqliteDB(t) // a new database, which prints its first token
	if strings.HasPrefix(db, "postgres") {
		fresh = withPassword(testdb.Postgres(t))
	}
	s = startServerEnv(t, fresh, env)
	for path, want := range map[string]int{"/debug/pprof/": 200, "/debug/pprof/heap?debug=1": 200, "/debug/pprof/cmdline": 404} {
		status, body := get(s.admin + path)
		if status != want {
			t.Errorf("GET %s with ROSTER_PPROF: %d, want %d", path, status, want)
		}
		wantNoSecret(t, path, body, password, "--db")
	}
	for name, out := range map[string]string{"stdout": s.stdout.String(), "stderr": s.stderr.String()} {
		wantNoSecret(t, name, out, password)
	}
}

// TestRedactURL checks that every form of database location has its password masked.
func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://roster:pw-1@db:5432/roster", "postgres://roster:REDACTED@db:5432/roster"},
		{"postgres://db/roster?sslmode=disable&password=pw-1", "postgres://db/roster?password=REDACTED&sslmode=disable"},
		{"host=db user=roster password=pw-1 dbname=roster", "host=db user=roster password=REDACTED dbname=roster"},
		{"host=db PASSWORD = 'pw 1\\' x' dbname=roster", "host=db password=REDACTED dbname=roster"},
		{"sqlite:roster.db", "sqlite:roster.db"},
	} {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFilesPrivate checks that the files roster serve creates beside a new
// SQLite database (the database, the log database, their -wal and -shm
// files, the key file) are readable by their owner only.
func TestFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, under which SQLite creates files 0644
	defer syscall.Umask(old)
	db := sqliteDB(t)
	s := startServer(t, db)
	s.do(t, "POST", "/Users", entraUser(t, "ada@contoso.com", "ext-ada")).want(t, 201)
	s.logRows(t, 1) // the log database has a row
	path := strings.TrimPrefix(db, "sqlite:")
	logPath := sqlite.LogFile(path)
	for _, f := range []string{path, path + "-wal", path + "-shm", logPath, logPath + "-wal", logPath + "-shm", path + ".key"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(f), fi.Mode().Perm())
		}
	}
}

// TestWebhookSecretSealed checks that webhook signing secrets are sealed at
// rest: one added with roster webhook add, and one stored as it is before
// secrets were sealed, which the server seals without losing the endpoint.
// Both endpoints receive events signed with their secret, and neither
// secret is in the database.
func TestWebhookSecretSealed(t *testing.T) { forEachStore(t, testWebhookSecretSealed) }

func testWebhookSecretSealed(t *testing.T, db string) {
	ctx := context.Background()
	env := map[string]string{"ROSTER_WEBHOOK_MIN_BACKOFF": "50ms"}
	if strings.HasPrefix(db, "postgres") {
		env["ROSTER_SECRET_KEY"] = sso.NewKey() // SQLite: the key file beside the database
	}
	// An endpoint of an older Roster, its secret stored as it is.
	st := (&testServer{db: db}).openStore(t) // migrates
	oldSecret := roster.NewWebhookSecret()
	oldRecv := &receiver{t: t, ackedIDs: map[string]int{}, secret: oldSecret}
	old := &roster.Webhook{URL: httptestServer(t, oldRecv), Secret: oldSecret}
	if err := st.CreateWebhook(ctx, old); err != nil {
		t.Fatal(err)
	}

	s := startServerEnv(t, db, env)
	newRecv := &receiver{t: t, ackedIDs: map[string]int{}}
	out := strings.Split(strings.TrimSpace(cliEnv(t, s, env, "webhook", "add", "--url", httptestServer(t, newRecv))), "\n")
	newID, newSecret := out[0], out[len(out)-1]
	newRecv.mu.Lock()
	newRecv.secret = newSecret
	newRecv.mu.Unlock()

	s.do(t, "POST", "/Users", entraUser(t, "ada@contoso.com", "ext-ada")).want(t, 201)
	oldRecv.waitFor(1)
	newRecv.waitFor(1)

	ws, err := st.Webhooks(ctx)
	if err != nil || len(ws) != 2 {
		t.Fatalf("Webhooks = %d, %v; want both", len(ws), err)
	}
	for _, w := range ws {
		if strings.Contains(w.Secret, "whsec_") || strings.Contains(w.Secret, strings.TrimPrefix(oldSecret, "whsec_")) ||
			strings.Contains(w.Secret, strings.TrimPrefix(newSecret, "whsec_")) {
			t.Errorf("webhook %s: the secret is stored in clear: %q", w.ID, w.Secret)
		}
	}
	// The test message signs with the sealed secret too.
	if got := cliEnv(t, s, env, "webhook", "test", newID); !strings.Contains(got, "acknowledged") {
		t.Errorf("webhook test: %s", got)
	}
}
