package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/health"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestHealth checks the health routes on both listeners, and that /readyz
// fails while /livez still answers when the database goes away.
func TestHealth(t *testing.T) { forEachStore(t, testHealth) }

func testHealth(t *testing.T, db string) {
	s := startServer(t, db)
	for _, base := range []string{s.root(), s.admin} {
		for _, path := range []string{"/livez", "/healthz"} {
			if status, body := plainGet(t, base+path); status != 200 {
				t.Errorf("GET %s%s: %d %s", base, path, status, body)
			}
		}
		status, body := plainGet(t, base+"/readyz?verbose")
		if status != 200 {
			t.Errorf("GET %s/readyz: %d\n%s", base, status, body)
		}
		for _, check := range []string{"[+]shutdown ok", "[+]store ok", "[+]migrations ok"} {
			if !strings.Contains(body, check) {
				t.Errorf("GET %s/readyz?verbose lacks %q:\n%s", base, check, body)
			}
		}
	}
	if !strings.HasPrefix(db, "postgres") {
		return // SQLite: see TestReadinessClosedStore
	}

	// The database is dropped under the running server: not ready, still live.
	dropDatabase(t, db)
	status, body := plainGet(t, s.admin+"/readyz?verbose")
	if status != 503 || !strings.Contains(body, "[-]store failed") {
		t.Errorf("GET /readyz without a database: %d, want 503 with the store failed:\n%s", status, body)
	}
	if strings.Contains(body, "does not exist") || strings.Contains(body, "127.0.0.1") {
		t.Errorf("GET /readyz shows why the check failed:\n%s", body)
	}
	if status, _ := plainGet(t, s.root()+"/livez"); status != 200 {
		t.Errorf("GET /livez without a database: %d, want 200", status)
	}
}

// dropDatabase drops the PostgreSQL database of url, ending its connections.
func dropDatabase(t *testing.T, dbURL string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
}

// TestReadinessClosedStore serves the readiness checks of serve over a store
// that is then closed, and over a server that is shutting down.
func TestReadinessClosedStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		store, err := openStore(context.Background(), Config{DB: db}, slog.New(slog.DiscardHandler), true)
		if err != nil {
			t.Fatal(err)
		}
		var draining atomic.Bool
		mux := http.NewServeMux()
		health.New(slog.New(slog.DiscardHandler), time.Second, readiness(store, &draining)...).Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()

		if status, body := plainGet(t, srv.URL+"/readyz"); status != 200 {
			t.Fatalf("open store: %d\n%s", status, body)
		}
		draining.Store(true)
		if status, body := plainGet(t, srv.URL+"/readyz?verbose"); status != 503 || !strings.Contains(body, "[-]shutdown failed") {
			t.Errorf("shutting down: %d\n%s", status, body)
		}
		draining.Store(false)
		store.Close()
		status, body := plainGet(t, srv.URL+"/readyz?verbose")
		if status != 503 || !strings.Contains(body, "[-]store failed") {
			t.Errorf("closed store: %d, want 503 with the store failed\n%s", status, body)
		}
		if status, _ := plainGet(t, srv.URL+"/livez"); status != 200 {
			t.Errorf("closed store: /livez %d, want 200", status)
		}
	})
}

// TestShutdown sends a SCIM request whose body arrives slowly, then stops the
// server: /readyz fails during the drain delay, the listener closes, and the
// request still completes and its user is stored.
func TestShutdown(t *testing.T) { forEachStore(t, testShutdown) }

func testShutdown(t *testing.T, db string) {
	s := startServerWith(t, db, "--drain-delay", "1s")
	addr := strings.TrimPrefix(s.root(), "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"late@example.com","displayName":"` +
		strings.Repeat("x", 4000) + `"}`
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /scim/v2/Users HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/scim+json\r\nContent-Length: %d\r\n\r\n%s", addr, s.token, len(body), body[:half])

	s.term()
	// Readiness fails first, while the listener still accepts.
	waitUntil(t, "/readyz answers 503", func() bool {
		res, err := http.Get(s.root() + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 503
	})
	// Then the listener closes.
	waitUntil(t, "the listener closes", func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	// The request in flight completes.
	if _, err := conn.Write([]byte(body[half:])); err != nil {
		t.Fatalf("write the rest of the body: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the response: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("in-flight POST: %d, want 201", res.StatusCode)
	}
	s.stop()

	st := s.openStore(t)
	tn, err := st.Tenant(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	if _, total, err := st.Users(context.Background(), tn.ID, roster.Query{}); err != nil || total != 1 {
		t.Errorf("users after shutdown: %d, %v; want the one created in flight", total, err)
	}
}

// waitUntil polls cond every 10ms for up to 10 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
