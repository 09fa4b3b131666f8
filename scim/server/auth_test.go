package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestTokenCache checks what the token cache trusts, on a real SQLite store
// and a clock the test moves: a checked token is not read again within the
// cache's age, a revocation takes effect once that age has passed (at once
// when the cache is off), and a new token works at once.
func TestTokenCache(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		age       time.Duration
		stillGood bool // the revoked token is accepted within the age
	}{{"cached", time.Second, true}, {"off", -1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			db, tn, secret := benchStore(t)
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			s := New(db, Options{TokenCache: tc.age, Clock: func() time.Time { return now }})
			auth := func(secret string) error {
				r := httptest.NewRequest("GET", Prefix+"/Users", nil)
				r.Header.Set("Authorization", "Bearer "+secret)
				_, err := s.tenantFor(r)
				return err
			}
			if err := auth(secret); err != nil {
				t.Fatalf("live token: %v", err)
			}
			toks, err := db.Tokens(ctx, tn.ID)
			if err != nil || len(toks) != 1 {
				t.Fatalf("Tokens = %v, %v", toks, err)
			}
			if err := db.RevokeToken(ctx, toks[0].ID); err != nil {
				t.Fatal(err)
			}
			now = now.Add(500 * time.Millisecond)
			if err := auth(secret); (err == nil) != tc.stillGood {
				t.Errorf("revoked token 0.5 s later: %v, want accepted %v", err, tc.stillGood)
			}
			now = now.Add(500 * time.Millisecond)
			if err := auth(secret); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
				t.Errorf("revoked token 1 s later: %v, want a 401", err)
			}
			fresh, prefix, hash := roster.NewTokenSecret()
			if err := db.CreateToken(ctx, &roster.Token{TenantID: tn.ID, Prefix: prefix, Hash: hash}); err != nil {
				t.Fatal(err)
			}
			if err := auth(fresh); err != nil {
				t.Errorf("new token: %v", err)
			}
			if err := auth(fresh + "x"); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
				t.Errorf("a wrong secret with a cached token's prefix: %v, want a 401", err)
			}
		})
	}
}

// refusals keeps the rows of the requests refused before authentication.
type refusals struct {
	discard
	rows []*roster.LogEntry
}

func (r *refusals) RecordRefusal(_ string, e *roster.LogEntry, _, _ []byte) {
	r.rows = append(r.rows, e)
}

// TestRefusalTokenPrefix: a request refused with a token Roster issued
// (revoked, expired, mistyped after its prefix, or with another tenant's name
// in HTTP Basic) names its prefix in its log row, so that the row can be
// shown to the token's tenant; a secret no token has, or none, names none.
func TestRefusalTokenPrefix(t *testing.T) {
	ctx := context.Background()
	db, tn, live := benchStore(t)
	revoked, revokedPrefix, hash := roster.NewTokenSecret()
	tok := &roster.Token{TenantID: tn.ID, Prefix: revokedPrefix, Hash: hash}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	expired, expiredPrefix, hash := roster.NewTokenSecret()
	if err := db.CreateToken(ctx, &roster.Token{TenantID: tn.ID, Prefix: expiredPrefix, Hash: hash, Expires: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	stranger, _, _ := roster.NewTokenSecret()
	rec := &refusals{}
	h := New(db, Options{Log: rec, TokenCache: -1}).Handler()
	for _, tc := range []struct {
		name, auth, prefix string
	}{
		{"revoked", "Bearer " + revoked, revokedPrefix},
		{"expired", "Bearer " + expired, expiredPrefix},
		{"mistyped after its prefix", "Bearer " + live[:len(live)-1] + "x", live[:roster.TokenPrefixLen]},
		{"another tenant's name", basic("globex", live), live[:roster.TokenPrefixLen]},
		{"no such token", "Bearer " + stranger, ""},
		{"none", "", ""},
	} {
		rec.rows = nil
		r := httptest.NewRequest("GET", Prefix+"/Users", nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 401 || len(rec.rows) != 1 {
			t.Errorf("%s: %d, %d refusals recorded; want 401, 1", tc.name, w.Code, len(rec.rows))
			continue
		}
		if got := rec.rows[0].TokenPrefix; got != tc.prefix {
			t.Errorf("%s: row's token prefix %q, want %q", tc.name, got, tc.prefix)
		}
	}
}

// basic is an HTTP Basic Authorization header.
func basic(user, password string) string {
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, password)
	return r.Header.Get("Authorization")
}

// rows keeps every log row.
type rows struct{ refusals }

func (r *rows) Record(e *roster.LogEntry, _, _ []byte) { r.refusals.rows = append(r.refusals.rows, e) }

// TestMisrouted: a request whose URL lacks Prefix (a Tenant URL pasted
// without /scim/v2) is authenticated, answered 404 and logged under its
// tenant with the reason url_without_prefix; without a credential it is
// refused as any other.
func TestMisrouted(t *testing.T) {
	db, tn, secret := benchStore(t)
	rec := &rows{}
	s := New(db, Options{Log: rec, TokenCache: -1})
	mux := http.NewServeMux()
	mux.Handle(Prefix+"/", s.Handler())
	for _, p := range MisroutedPaths {
		mux.Handle(p, s.Misrouted())
	}
	for _, tc := range []struct {
		path, auth, tenant, reason string
		status                     int
	}{
		{"/Users?filter=userName%20eq%20%22x%22", "Bearer " + secret, tn.ID, "url_without_prefix", 404},
		{"/scim/Users", "Bearer " + secret, tn.ID, "url_without_prefix", 404},
		{"/Groups/g1", "Bearer " + secret, tn.ID, "url_without_prefix", 404},
		{"/Users", "", "", "token_missing", 401},
		{Prefix + "/Users", "Bearer " + secret, tn.ID, "", 200},
	} {
		rec.rows = nil
		r := httptest.NewRequest("GET", tc.path, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != tc.status || len(rec.rows) != 1 {
			t.Errorf("GET %s: %d, %d rows; want %d, 1", tc.path, w.Code, len(rec.rows), tc.status)
			continue
		}
		if e := rec.rows[0]; e.TenantID != tc.tenant || e.Reason != tc.reason {
			t.Errorf("GET %s: row of tenant %q with reason %q, want %q, %q", tc.path, e.TenantID, e.Reason, tc.tenant, tc.reason)
		}
		if tc.status == 404 && !strings.Contains(w.Body.String(), Prefix) {
			t.Errorf("GET %s: the detail does not name %s: %s", tc.path, Prefix, w.Body)
		}
	}
}

// TestMalformedTokenMessages: a value SCIM cannot take as a token is refused
// with what it is: an API key is named as one (by its prefix, never whole), a
// token cut short when copied is told so, and anything else is not a Roster
// token. The refusal never quotes the value.
func TestMalformedTokenMessages(t *testing.T) {
	db, _, live := benchStore(t)
	key, keyPrefix, _ := roster.NewAPIKeySecret()
	h := New(db, Options{TokenCache: -1}).Handler()
	for _, tc := range []struct {
		name, secret, want string
	}{
		{"an API key", key, "the API key " + keyPrefix + "… is for the app API (/api/v1) only"},
		{"a token cut short", live[:15], "cut short when it was copied"},
		{"a token's first characters", "rst_", "cut short when it was copied"},
		{"something else", "0123456789abcdefghijklmnop", "not a Roster secret token"},
	} {
		r := httptest.NewRequest("GET", Prefix+"/Users", nil)
		r.Header.Set("Authorization", "Bearer "+tc.secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != 401 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s; want 401 saying %q", tc.name, w.Code, body, tc.want)
		}
		if len(tc.secret) > len(keyPrefix) && strings.Contains(body, tc.secret) {
			t.Errorf("%s: the refusal quotes the value: %s", tc.name, body)
		}
	}
}
