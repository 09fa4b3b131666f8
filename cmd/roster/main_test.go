package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// watcher collects a command's output and tells waiters about each write.
type watcher struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newWatcher() *watcher { return &watcher{changed: make(chan struct{}, 1)} }

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *watcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor returns the rest of the first line of output that follows marker.
func (w *watcher) waitFor(t testing.TB, marker string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		s := w.String()
		if _, after, ok := strings.Cut(s, marker); ok {
			if line, _, ok := strings.Cut(after, "\n"); ok {
				return strings.TrimSpace(line)
			}
		}
		select {
		case <-w.changed:
		case <-timeout:
			t.Fatalf("no %q in output:\n%s", marker, s)
		}
	}
}

// testServer is "roster serve" running on 127.0.0.1 over a throw-away database.
type testServer struct {
	base   string      // SCIM base URL
	admin  string      // admin listener URL, "" for none
	token  string      // the first tenant's token
	db     string      // the --db value
	stop   func()      // stops the server and waits for it
	term   func()      // tells the server to stop, as SIGTERM does, without waiting
	stdout *watcher    // the logs and the first token
	stderr *watcher    // the banner lines
	proc   *os.Process // set when the server is a process of its own
}

// sqliteDB returns a --db value naming a new SQLite file in a temporary directory.
func sqliteDB(t *testing.T) string {
	return "sqlite:" + testdb.SQLitePath(t)
}

// forEachStore runs test once per store, as subtests "sqlite" and "postgres",
// each with the --db value of a new, empty database. The PostgreSQL run needs
// ROSTER_TEST_POSTGRES and says so when it is skipped.
func forEachStore(t *testing.T, test func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, sqliteDB(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, testdb.Postgres(t)) })
}

// startServer runs "roster serve" in-process on a new database db (a --db value)
// and returns once it printed its URL and the first tenant's token. The admin
// listener takes a free port and shutdown has no drain delay.
func startServer(t testing.TB, db string) *testServer {
	t.Helper()
	return startServerWith(t, db)
}

// startServerWith is startServer with more serve flags, which take precedence.
func startServerWith(t testing.TB, db string, flags ...string) *testServer {
	t.Helper()
	return startServerEnv(t, db, nil, flags...)
}

// startServerEnv is startServerWith with more environment variables.
func startServerEnv(t testing.TB, db string, extra map[string]string, flags ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newWatcher(), newWatcher()
	done := make(chan error, 1)
	env := map[string]string{"ROSTER_LOG_LEVEL": "warn", "ROSTER_ADMIN_ADDR": "127.0.0.1:0", "ROSTER_DRAIN_DELAY": "0s"}
	maps.Copy(env, extra)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, flags...)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, stdout, stderr)
	}()
	s := &testServer{db: db, term: cancel, stdout: stdout, stderr: stderr}
	s.base = stderr.waitFor(t, "serving SCIM 2.0 at ")
	for _, banner := range []string{"admin (metrics, health) at ", "admin (metrics, pprof, health) at "} {
		if strings.Contains(stderr.String(), banner) {
			s.admin = stderr.waitFor(t, banner)
		}
	}
	s.token = stdout.waitFor(t, "Secret Token:")
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v\n%s", err, stderr.String())
			}
		})
	}
	t.Cleanup(s.stop)
	return s
}

// response is a decoded HTTP response.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request with the server's token and decodes the JSON answer.
func (s *testServer) do(t *testing.T, method, path, body string, header ...string) response {
	t.Helper()
	return s.doAs(t, "Bearer "+s.token, method, path, body, header...)
}

// newSCIMRequest builds a request to the server with its token.
func newSCIMRequest(s *testServer, method, path, body string) (*http.Request, error) {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	return req, nil
}

// crashClient does not reuse connections, so that requests after a crash fail at once.
var crashClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

func (s *testServer) doAs(t *testing.T, auth, method, path, body string, header ...string) response {
	t.Helper()
	req, err := newSCIMRequest(s, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Del("Authorization")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
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
	r := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/scim+json" {
			t.Errorf("%s %s: Content-Type = %q, want application/scim+json", method, path, ct)
		}
	}
	return r
}

// want fails the test unless the response has the status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.raw)
	}
	return r
}

// wantError checks a SCIM error response (RFC 7644 §3.12).
func (r response) wantError(t *testing.T, status int, scimType string) response {
	t.Helper()
	r.want(t, status)
	if got := str(r.body, "scimType"); got != scimType {
		t.Errorf("scimType = %q, want %q; body: %s", got, scimType, r.raw)
	}
	if got := str(r.body, "status"); got != strconv.Itoa(status) {
		t.Errorf("status field = %q, want %d", got, status)
	}
	if !strings.Contains(str(r.body, "detail"), "(request ") {
		t.Errorf("detail %q does not name the request id", str(r.body, "detail"))
	}
	return r
}

// fixture reads testdata/entra/NAME with {{key}} placeholders replaced.
func fixture(t *testing.T, name string, kv ...string) string {
	t.Helper()
	return fixtureOf(t, "entra", name, kv...)
}

// fixtureOf reads testdata/DIR/NAME with {{key}} placeholders replaced: the
// requests one directory (entra, okta, onelogin) documents.
func fixtureOf(t *testing.T, dir, name string, kv ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{{"+kv[i]+"}}", kv[i+1])
	}
	return s
}

// get walks a decoded JSON document: get(doc, "name", "familyName"), get(doc, "emails", 0, "value").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func q(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "[", "%5B", "]", "%5D", "+", "%2B").Replace(s)
}

// openStore opens the server's database beside it, as the CLI does.
func (s *testServer) openStore(t testing.TB) roster.Store {
	t.Helper()
	st, err := openStore(context.Background(), Config{DB: s.db}, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
