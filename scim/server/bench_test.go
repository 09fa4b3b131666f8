package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// BenchmarkTenantFor is the authentication of every SCIM request: the
// credential read from the header, the token found by its prefix in a real
// SQLite store, its hash compared and its use recorded.
func BenchmarkTenantFor(b *testing.B) {
	db, tn, secret := benchStore(b)
	s := New(db, Options{})
	r := httptest.NewRequest("GET", Prefix+"/Users", nil)
	r.Header.Set("Authorization", "Bearer "+secret)
	b.ReportAllocs()
	for b.Loop() {
		if id, err := s.tenantFor(r); err != nil || id != tn.ID {
			b.Fatalf("tenantFor = %q, %v; want %q", id, err, tn.ID)
		}
	}
}

// BenchmarkTenantForAccessToken authenticates an OAuth client's access
// token: through the token cache, and from the store (the access token
// joined with its client) on every request.
func BenchmarkTenantForAccessToken(b *testing.B) {
	ctx := context.Background()
	db, tn, _ := benchStore(b)
	_, cprefix, chash := roster.NewSCIMClientSecret()
	client := &roster.Token{TenantID: tn.ID, Kind: roster.TokenOAuth, Prefix: cprefix, Hash: chash}
	if err := db.CreateToken(ctx, client); err != nil {
		b.Fatal(err)
	}
	secret, prefix, hash := roster.NewAccessTokenSecret()
	a := &roster.AccessToken{TenantID: tn.ID, ClientID: client.ID, Prefix: prefix, Hash: hash, Expires: time.Now().Add(time.Hour)}
	if err := db.CreateAccessToken(ctx, a); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		cache time.Duration
	}{{"cached", time.Hour}, {"store", -1}} {
		b.Run(c.name, func(b *testing.B) {
			s := New(db, Options{TokenCache: c.cache})
			r := httptest.NewRequest("GET", Prefix+"/Users", nil)
			r.Header.Set("Authorization", "Bearer "+secret)
			b.ReportAllocs()
			for b.Loop() {
				if id, err := s.tenantFor(r); err != nil || id != tn.ID {
					b.Fatalf("tenantFor = %q, %v; want %q", id, err, tn.ID)
				}
			}
		})
	}
}

// BenchmarkUserEncode renders a user as Entra creates it (enterprise
// extension, a work email, two groups) and encodes it into a reused buffer,
// as a GET answers.
func BenchmarkUserEncode(b *testing.B) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	u := &roster.User{
		ID: "0f0a8a52-9c1e-4c7e-9d3a-2b1f6c8e4d10", UserName: "ada@contoso.com", ExternalID: "ext-1", Active: true,
		Version: 3, Created: now, Modified: now,
		Groups: []roster.GroupRef{{ID: "g1", DisplayName: "Engineering"}, {ID: "g2", DisplayName: "Everyone"}},
		Doc: map[string]any{
			"schemas":    []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			"userName":   "ada@contoso.com",
			"externalId": "ext-1",
			"active":     true,
			"name":       map[string]any{"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
			"emails":     []any{map[string]any{"primary": true, "type": "work", "value": "ada@contoso.com"}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
				"employeeNumber": "1", "department": "Engineering", "costCenter": "CC-100", "organization": "Contoso"},
		},
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		var err error
		if buf, err = jsonenc.AppendValue(buf[:0], userDoc(u, "https://id.example.com"+Prefix)); err != nil {
			b.Fatal(err)
		}
	}
}

// discard takes log rows and drops them.
type discard struct{}

func (discard) Record(*roster.LogEntry, []byte, []byte)                {}
func (discard) RecordRefusal(string, *roster.LogEntry, []byte, []byte) {}

// BenchmarkLookupLogged is Entra's userName lookup through the whole handler
// (auth, limits, store, encoding) without and with a provisioning log row
// built for it (handed to a recorder that drops it): what logging costs a
// request on its own path.
func BenchmarkLookupLogged(b *testing.B) {
	ctx := context.Background()
	db, tn, secret := benchStore(b)
	if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: "ada@contoso.com", Active: true,
		Doc: map[string]any{"userName": "ada@contoso.com", "active": true}}); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		log  LogRecorder
	}{{"unlogged", nil}, {"logged", discard{}}} {
		b.Run(tc.name, func(b *testing.B) {
			h := New(db, Options{Log: tc.log}).Handler()
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", Prefix+`/Users?filter=userName%20eq%20%22ada@contoso.com%22`, nil)
				r.Header.Set("Authorization", "Bearer "+secret)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkGroupGet reads a group of 5,000 members: streamed (GET as Entra and
// apps send it) and rendered whole (any attributes parameter), with the bytes
// each allocates.
func BenchmarkGroupGet(b *testing.B) {
	ctx := context.Background()
	db, tn, secret := benchStore(b)
	g := &roster.Group{DisplayName: "Everyone", Doc: map[string]any{"displayName": "Everyone"}}
	for i := range 5000 {
		u := &roster.User{UserName: "u" + strconv.Itoa(i) + "@contoso.com", Active: true, Doc: map[string]any{"userName": "u" + strconv.Itoa(i) + "@contoso.com"}}
		if err := db.CreateUser(ctx, tn.ID, u); err != nil {
			b.Fatal(err)
		}
		g.Members = append(g.Members, roster.Member{ID: u.ID})
	}
	if err := db.CreateGroup(ctx, tn.ID, g); err != nil {
		b.Fatal(err)
	}
	h := New(db, Options{}).Handler()
	for _, tc := range []struct{ name, query string }{{"streamed", ""}, {"whole", "?attributes=displayName,members"}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", Prefix+"/Groups/"+g.ID+tc.query, nil)
				r.Header.Set("Authorization", "Bearer "+secret)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 || w.Body.Len() < 5000*50 {
					b.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
				}
			}
		})
	}
}

// benchStore opens a SQLite store with tenant "acme" and a token, whose secret it returns.
func benchStore(b testing.TB) (*sqlite.DB, *roster.Tenant, string) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, testdb.SQLitePath(b), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	secret, prefix, hash := roster.NewTokenSecret()
	if err := db.CreateToken(ctx, &roster.Token{TenantID: tn.ID, Prefix: prefix, Hash: hash}); err != nil {
		b.Fatal(err)
	}
	return db, tn, secret
}

// BenchmarkGroupList reads a page of 150 groups of 149 members each, as
// GET /Groups?count=150 asks, with the bytes each response allocates.
func BenchmarkGroupList(b *testing.B) {
	ctx := context.Background()
	db, tn, secret := benchStore(b)
	var members []roster.Member
	for i := range 149 {
		u := &roster.User{UserName: "u" + strconv.Itoa(i) + "@contoso.com", Active: true, Doc: map[string]any{"userName": "u" + strconv.Itoa(i) + "@contoso.com"}}
		if err := db.CreateUser(ctx, tn.ID, u); err != nil {
			b.Fatal(err)
		}
		members = append(members, roster.Member{ID: u.ID})
	}
	for i := range 150 {
		name := "Team " + strconv.Itoa(i)
		g := &roster.Group{DisplayName: name, Doc: map[string]any{"displayName": name}, Members: members}
		if err := db.CreateGroup(ctx, tn.ID, g); err != nil {
			b.Fatal(err)
		}
	}
	h := New(db, Options{MaxCount: 200}).Handler()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", Prefix+"/Groups?count=150", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		w := &countingWriter{header: http.Header{}}
		h.ServeHTTP(w, r)
		if w.status != 200 || w.n < 150*149*50 {
			b.Fatalf("status %d, %d bytes", w.status, w.n)
		}
	}
}

// countingWriter is a ResponseWriter that counts the body and keeps none of
// it, so that a benchmark's allocations are the server's alone.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *countingWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(b)
	return len(b), nil
}

// BenchmarkUserGet is a GET of an Entra-shaped user, and Entra's userName
// lookup of it, through the whole handler: answered from the stored text of
// its document (no projection), and rendered from the decoded document (an
// excludedAttributes naming nothing, which takes that path). It reports the
// process CPU time per request.
func BenchmarkUserGet(b *testing.B) {
	ctx := context.Background()
	db, tn, secret := benchStore(b)
	const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	u := &roster.User{UserName: "ada@contoso.com", ExternalID: "ext-ada", DisplayName: "Ada Lovelace", Active: true,
		Emails: []roster.Email{{Value: "ada@contoso.com", Type: "work", Primary: true}},
		Doc: map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User", enterprise},
			"userName": "ada@contoso.com", "externalId": "ext-ada", "active": true, "displayName": "Ada Lovelace",
			"emails":   []any{map[string]any{"primary": true, "type": "work", "value": "ada@contoso.com"}},
			"name":     map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
			enterprise: map[string]any{"department": "Sales", "employeeNumber": "1815"}}}
	if err := db.CreateUser(ctx, tn.ID, u); err != nil {
		b.Fatal(err)
	}
	h := New(db, Options{}).Handler()
	lookup := `/Users?filter=userName%20eq%20%22ada@contoso.com%22`
	for _, tc := range []struct{ name, path string }{
		{"get/text", "/Users/" + u.ID}, {"get/rendered", "/Users/" + u.ID + "?excludedAttributes=noSuchAttribute"},
		{"lookup/text", lookup}, {"lookup/rendered", lookup + "&excludedAttributes=noSuchAttribute"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for b.Loop() {
				r := httptest.NewRequest("GET", Prefix+tc.path, nil)
				r.Header.Set("Authorization", "Bearer "+secret)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
			b.ReportMetric(float64(cpu)/1e3/float64(b.N), "cpu-µs/req")
		})
	}
}
