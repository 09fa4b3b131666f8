package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
)

// holdPrometheusPort makes sure something listens on 127.0.0.1:9090,
// Prometheus's port and the admin listener's default of old: a stand-in
// answering 404 to everything, or whatever already listens there.
func holdPrometheusPort(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:9090")
	if errors.Is(err, syscall.EADDRINUSE) {
		return // another program has it: just as well
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// runDoctorCmd runs roster doctor with the flags and the environment env,
// and returns its output, one line per check.
func runDoctorCmd(t *testing.T, env map[string]string, args ...string) (map[string]string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"doctor"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
	var failed checksFailed
	if err != nil && !errors.As(err, &failed) {
		t.Fatalf("roster doctor: %v\n%s", err, stderr.String())
	}
	lines := map[string]string{}
	for line := range strings.Lines(stdout.String()) {
		verdict, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		name, _, _ := strings.Cut(strings.TrimSpace(rest), ":")
		lines[name] = strings.TrimSpace(line)
		if verdict != "ok" && verdict != "warn" && verdict != "FAIL" {
			t.Errorf("line %q starts with no verdict", line)
		}
	}
	t.Logf("roster doctor %s:\n%s", strings.Join(args, " "), stdout.String())
	return lines, err
}

// wantLine fails the test unless the check's line starts with the verdict
// and holds every part.
func wantLine(t *testing.T, lines map[string]string, name, verdict string, parts ...string) {
	t.Helper()
	line, ok := lines[name]
	if !ok {
		t.Errorf("no line for the check %q", name)
		return
	}
	if !strings.HasPrefix(line, verdict+" ") {
		t.Errorf("%s: %q, want %s", name, line, verdict)
	}
	for _, p := range parts {
		if !strings.Contains(line, p) {
			t.Errorf("%s: %q lacks %q", name, line, p)
		}
	}
}

// TestDoctor starts roster serve beside Prometheus's port with the default
// admin listener, then checks the deployment with roster doctor on the same
// database: the plain-http public URL is reported with what to set, every
// other check has its line, and warnings alone exit 0. Then a public URL
// that leads to another program, an admin listener on every interface and,
// on SQLite, a key file others can read: roster doctor fails, saying what
// to change.
func TestDoctor(t *testing.T) {
	holdPrometheusPort(t)
	forEachStore(t, func(t *testing.T, db string) {
		s := startServerEnv(t, db, map[string]string{"ROSTER_ADMIN_ADDR": ""})
		if s.admin != "http://127.0.0.1:8079" {
			t.Fatalf("admin listener at %q, want the default http://127.0.0.1:8079", s.admin)
		}
		public := strings.TrimSuffix(s.base, "/scim/v2")
		addr := strings.TrimPrefix(public, "http://")
		env := map[string]string{"ROSTER_DB": db}
		lines, err := runDoctorCmd(t, env, "--public-url", public, "--addr", addr)
		if err != nil {
			t.Errorf("roster doctor with warnings only: %v, want exit status 0", err)
		}
		wantLine(t, lines, "public URL", "warn", public+" is plain http on a loopback address", "Entra ID requires an https tenant URL",
			"fix:", "--public-url https://", "ROSTER_PUBLIC_URL")
		wantLine(t, lines, "public URL reachable", "ok", "GET "+public+"/readyz: ready")
		wantLine(t, lines, "public URL recorded", "ok", public)
		wantLine(t, lines, "admin listener", "ok", "127.0.0.1:8079: this machine only")
		wantLine(t, lines, "database", "ok", "no migration pending")
		wantLine(t, lines, "clock", "ok")
		wantLine(t, lines, "tokens", "ok")
		wantLine(t, lines, "certificates", "ok")
		for _, name := range []string{"event retention", "log retention", "restore retention"} {
			wantLine(t, lines, name, "ok", "30d")
		}
		_, loc, _ := storeKind(db)
		if strings.HasPrefix(db, "sqlite:") {
			wantLine(t, lines, "secret key", "ok", loc+".key is readable by its owner only", "back it up with the database")
		} else {
			wantLine(t, lines, "secret key", "warn", "ROSTER_SECRET_KEY is not set", "openssl rand -base64 32")
		}

		failures := 1
		if strings.HasPrefix(db, "sqlite:") {
			if err := os.Chmod(loc+".key", 0o644); err != nil {
				t.Fatal(err)
			}
			failures++
			defer os.Chmod(loc+".key", 0o600)
		}
		lines, err = runDoctorCmd(t, env, "--public-url", "http://127.0.0.1:9090", "--addr", addr, "--admin-addr", "0.0.0.0:9464")
		var failed checksFailed
		if !errors.As(err, &failed) || failed.n != failures {
			t.Errorf("roster doctor = %v, want %d checks failed", err, failures)
		}
		wantLine(t, lines, "public URL reachable", "FAIL", "GET http://127.0.0.1:9090/readyz", "fix:")
		wantLine(t, lines, "public URL recorded", "warn", "recorded "+public, "same --public-url")
		wantLine(t, lines, "admin listener", "warn", "0.0.0.0:9464 listens on every interface", "/metrics", "--admin-addr 127.0.0.1")
		if strings.HasPrefix(db, "sqlite:") {
			wantLine(t, lines, "secret key", "FAIL", "mode 0644", "fix: chmod 600 "+loc+".key")
		}
	})
}
