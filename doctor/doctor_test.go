package doctor

import (
	"context"
	"database/sql"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/health"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

// The stores are what roster doctor opens.
var (
	_ Database = (*sqlite.DB)(nil)
	_ Database = (*postgres.DB)(nil)
)

// sqliteOpener opens a SQLite file as roster doctor does.
type sqliteOpener struct{ path string }

func (o sqliteOpener) Pending(ctx context.Context) ([]int64, error) {
	return sqlite.Pending(ctx, o.path)
}
func (o sqliteOpener) Open(ctx context.Context) (Database, error) {
	return sqlite.Open(ctx, o.path, sqlite.Options{})
}

// postgresOpener opens a PostgreSQL database as roster doctor does.
type postgresOpener struct{ url string }

func (o postgresOpener) Pending(ctx context.Context) ([]int64, error) {
	return postgres.Pending(ctx, o.url)
}
func (o postgresOpener) Open(ctx context.Context) (Database, error) {
	return postgres.Open(ctx, o.url, postgres.Options{})
}

// store is a migrated database of each kind, open for the test to fill.
type store struct {
	opener Opener
	db     roster.Store
}

// forEachStore runs test on a new, migrated SQLite file and PostgreSQL database.
func forEachStore(t *testing.T, test func(t *testing.T, s store)) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		path := testdb.SQLitePath(t)
		db, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		test(t, store{sqliteOpener{path}, db})
	})
	t.Run("postgres", func(t *testing.T) {
		url := testdb.Postgres(t)
		db, err := postgres.Open(ctx, url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		test(t, store{postgresOpener{url}, db})
	})
}

// result returns the result named name, failing the test without one.
func result(t *testing.T, rs []Result, name string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no result %q in %v", name, rs)
	return Result{}
}

// want fails the test unless r has the verdict and its line holds every part.
func want(t *testing.T, r Result, v Verdict, parts ...string) {
	t.Helper()
	if r.Verdict != v {
		t.Errorf("%s: verdict %s, want %s: %s", r.Name, r.Verdict, v, r)
	}
	for _, p := range parts {
		if !strings.Contains(r.String(), p) {
			t.Errorf("%s: %q lacks %q", r.Name, r, p)
		}
	}
	if v != OK && r.Fix == "" {
		t.Errorf("%s: %s without a fix: %s", r.Name, v, r)
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "roster.db.key")
	want(t, checkKeyFile(path, os.Getuid()), Warn, "no key file "+path, "restore "+path)
	if err := os.WriteFile(path, []byte(sso.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, checkKeyFile(path, os.Getuid()), OK, "readable by its owner only", "back it up with the database")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	want(t, checkKeyFile(path, os.Getuid()), Fail, "mode 0644", "fix: chmod 600 "+path)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, checkKeyFile(path, os.Getuid()+1), Fail, "owned by uid", "chown")
}

func TestSecretKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want Verdict
		part string
	}{
		{"postgres without a key", Config{}, Warn, "sign-in is off"},
		{"a key that is not base64", Config{SecretKey: "not a key!"}, Fail, "ROSTER_SECRET_KEY"},
		{"a key", Config{SecretKey: sso.NewKey()}, OK, "from ROSTER_SECRET_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New(tc.cfg, nil, Options{}).checkSecretKey()
			want(t, r, tc.want, tc.part)
			if tc.cfg.SecretKey != "" && strings.Contains(r.String(), tc.cfg.SecretKey) {
				t.Errorf("the result prints the key: %s", r)
			}
		})
	}
}

func TestAdminListener(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want Verdict
		part string
	}{
		{"", OK, "off"},
		{"127.0.0.1:8079", OK, "this machine only"},
		{"[::1]:8079", OK, "this machine only"},
		{"localhost:8079", OK, "this machine only"},
		{"0.0.0.0:8079", Warn, "every interface"},
		{":8079", Warn, "every interface"},
		{"[::]:8079", Warn, "every interface"},
		{"10.0.0.5:8079", Warn, "reachable from other machines"},
	} {
		r := New(Config{AdminAddr: tc.addr}, nil, Options{}).checkAdminListener()
		want(t, r, tc.want, tc.part)
		if tc.want == Warn {
			want(t, r, Warn, "/metrics", "--admin-addr 127.0.0.1", "ROSTER_ADMIN_ADDR")
		}
	}
}

func TestPublicURL(t *testing.T) {
	for _, tc := range []struct {
		url, addr string
		want      Verdict
		part      string
	}{
		{"https://roster.example.com", "0.0.0.0:8080", OK, "https://roster.example.com"},
		{"http://127.0.0.1:8080", "127.0.0.1:8080", Warn, "loopback"},
		{"http://localhost:8080", "127.0.0.1:8080", Warn, "loopback"},
		{"http://roster.example.com", "0.0.0.0:8080", Fail, "plain http"},
		{"https://user@roster.example.com", "0.0.0.0:8080", Fail, "want an absolute http(s) URL"},
		{"", "127.0.0.1:8080", Warn, "not set"},
		{"", "0.0.0.0:8080", Fail, "not set"},
	} {
		r := New(Config{PublicURL: tc.url, Addr: tc.addr}, nil, Options{}).checkPublicURL()
		want(t, r, tc.want, tc.part)
		if tc.want != OK {
			want(t, r, tc.want, "--public-url https://", "ROSTER_PUBLIC_URL")
		}
	}
}

func TestRetention(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want Verdict
		part string
	}{
		{30 * day, OK, "30d"},
		{0, Fail, "grows for ever"},
		{2 * day, Warn, "2d is short"},
		{12 * time.Hour, Warn, "12h0m0s is short"},
		{1000 * day, Warn, "1000d is long"},
	} {
		rs := New(Config{EventRetention: tc.d, LogRetention: 30 * day, RestoreRetention: 30 * day}, nil, Options{}).checkRetention()
		r := result(t, rs, "event retention")
		want(t, r, tc.want, tc.part)
		if tc.want != OK {
			want(t, r, tc.want, "--event-retention", "ROSTER_EVENT_RETENTION")
		}
		want(t, result(t, rs, "log retention"), OK)
		want(t, result(t, rs, "restore retention"), OK)
	}
}

// TestReachable asks a real readiness check, a listener that is not
// Roster's, and a port nothing listens on.
func TestReachable(t *testing.T) {
	ctx := context.Background()
	ready := http.NewServeMux()
	health.New(nil, time.Second).Register(ready)
	roster := httptest.NewServer(ready)
	defer roster.Close()
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	want(t, New(Config{PublicURL: roster.URL}, nil, Options{}).checkReachable(ctx), OK, roster.URL+"/readyz: ready")
	want(t, New(Config{Addr: strings.TrimPrefix(roster.URL, "http://")}, nil, Options{}).checkReachable(ctx), OK, "ready")
	want(t, New(Config{PublicURL: other.URL}, nil, Options{}).checkReachable(ctx), Fail, "404", "something else answers")
	want(t, New(Config{PublicURL: "http://" + closed}, nil, Options{}).checkReachable(ctx), Fail, "GET http://"+closed+"/readyz", "start roster serve")
}

// TestDatabase reports a missing SQLite file, and a database lacking a
// migration, without creating or migrating either; the checks of what the
// database holds then say they were not run.
func TestDatabase(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	rs := New(Config{}, sqliteOpener{path}, Options{}).Run(ctx)
	want(t, result(t, rs, nameDatabase), Fail, "no database file "+path, "roster migrate")
	want(t, result(t, rs, nameTokens), Warn, "not checked")
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("roster doctor created %s", path)
	}

	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	rs = New(Config{}, sqliteOpener{path}, Options{}).Run(ctx)
	want(t, result(t, rs, nameDatabase), Fail, "lacks 1 migration", "fix: roster migrate")
	want(t, result(t, rs, nameClock), Warn, "not checked")
	if pending, err := sqlite.Pending(ctx, path); err != nil || len(pending) != 1 {
		t.Errorf("after roster doctor, Pending = %v, %v: it migrated the database", pending, err)
	}
}

// TestClock compares the database's clock with this machine's, set off by
// the test.
func TestClock(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		for _, tc := range []struct {
			off  time.Duration
			want Verdict
			part string
		}{
			{0, OK, "from this machine's"},
			{-30 * time.Second, Warn, "NTP"},
			{10 * time.Minute, Fail, "NTP"},
		} {
			clock := func() time.Time { return time.Now().Add(tc.off) }
			db, err := s.opener.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want(t, New(Config{}, s.opener, Options{Now: clock}).checkClock(ctx, db), tc.want, tc.part)
			db.Close()
		}
	})
}

// TestExpiry finds the token and the certificates that expire soon, by
// tenant and prefix or serial, and never prints a secret.
func TestExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		now := time.Now()
		doc := New(Config{}, s.opener, Options{})
		db, err := s.opener.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		acme := &roster.Tenant{Name: "acme"}
		if err := s.db.CreateTenant(ctx, acme); err != nil {
			t.Fatal(err)
		}
		tenants := []*roster.Tenant{acme}
		want(t, doc.checkTokens(ctx, db, tenants), OK, "none expires")
		want(t, doc.checkCertificates(ctx, db, tenants), OK, "none")

		secrets := map[string]time.Time{}
		var soonPrefix string
		for i, expires := range []time.Time{now.Add(3 * day), now.Add(90 * day), {}, now.Add(-day)} {
			secret, prefix, hash := roster.NewTokenSecret()
			if err := s.db.CreateToken(ctx, &roster.Token{TenantID: acme.ID, Name: "idp", Prefix: prefix, Hash: hash, Expires: expires}); err != nil {
				t.Fatal(err)
			}
			secrets[secret] = expires
			if i == 0 {
				soonPrefix = prefix
			}
		}
		r := doc.checkTokens(ctx, db, tenants)
		want(t, r, Warn, "tenant acme token "+soonPrefix+"…", "roster token create --tenant acme")
		if strings.Count(r.Detail, "tenant acme token ") != 1 {
			t.Errorf("tokens: want the one token expiring within 14 days: %s", r)
		}
		for secret := range secrets {
			if strings.Contains(r.String(), secret) {
				t.Errorf("tokens: the result prints a secret: %s", r)
			}
		}

		sealer, err := sso.NewSealer(mustKey(t))
		if err != nil {
			t.Fatal(err)
		}
		cert, sealed, err := sso.NewClientCertificate(sealer, acme.ID, now.Add(10*day-sso.ClientCertificateValidity))
		if err != nil {
			t.Fatal(err)
		}
		conn := &roster.SSOConnection{TenantID: acme.ID, Type: roster.ConnectionOIDC, Issuer: "https://idp.example.com",
			ClientID: "c", SealedSecret: sealed, Certificate: cert}
		if err := s.db.SetSSOConnection(ctx, conn); err != nil {
			t.Fatal(err)
		}
		want(t, doc.checkCertificates(ctx, db, tenants), Warn, "tenant acme OIDC client certificate", "--client-certificate generate")

		conn.Certificate, conn.SealedSecret, err = sso.NewClientCertificate(sealer, acme.ID, now.Add(-day-sso.ClientCertificateValidity))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.db.SetSSOConnection(ctx, conn); err != nil {
			t.Fatal(err)
		}
		want(t, doc.checkCertificates(ctx, db, tenants), Fail, "tenant acme OIDC client certificate", "sign-in through the tenant's IdP fails")
	})
}

func mustKey(t *testing.T) []byte {
	t.Helper()
	key, err := sso.ParseKey(sso.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return key
}
