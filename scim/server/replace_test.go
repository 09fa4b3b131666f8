package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

// interleaved is a store that runs between, once, just before the next
// ReplaceUserGuarded or ReplaceGroup: another request's write landing between a
// handler's read and its write.
type interleaved struct {
	roster.Store
	between func()
}

func (s *interleaved) interleave() {
	if f := s.between; f != nil {
		s.between = nil
		f()
	}
}

func (s *interleaved) ReplaceUserGuarded(ctx context.Context, tenantID string, u *roster.User, version int64, g roster.DeprovisionGuard) (bool, error) {
	s.interleave()
	return s.Store.ReplaceUserGuarded(ctx, tenantID, u, version, g)
}

func (s *interleaved) ReplaceGroup(ctx context.Context, tenantID string, g *roster.Group, version int64) error {
	s.interleave()
	return s.Store.ReplaceGroup(ctx, tenantID, g, version)
}

// forEachStore runs test on a new SQLite store and a new PostgreSQL store
// (when ROSTER_TEST_POSTGRES is set), each with a tenant.
func forEachStore(t *testing.T, test func(t *testing.T, st roster.Store, tenantID string)) {
	open := map[string]func(t *testing.T) roster.Store{
		"sqlite": func(t *testing.T) roster.Store {
			db, err := sqlite.Open(context.Background(), testdb.SQLitePath(t), sqlite.Options{Clock: testdb.Clock()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) roster.Store {
			db, err := postgres.Open(context.Background(), testdb.Postgres(t), postgres.Options{Clock: testdb.Clock()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			st := open[name](t)
			tn := &roster.Tenant{Name: "acme"}
			if err := st.CreateTenant(context.Background(), tn); err != nil {
				t.Fatal(err)
			}
			test(t, st, tn.ID)
		})
	}
}

// serve runs the SCIM API over st on 127.0.0.1 and returns a client for it.
func serve(t *testing.T, st roster.Store, tenantID string) func(method, path, body string, header ...string) (int, string) {
	secret, prefix, hash := roster.NewTokenSecret()
	if err := st.CreateToken(context.Background(), &roster.Token{TenantID: tenantID, Prefix: prefix, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(st, Options{}).Handler())
	t.Cleanup(srv.Close)
	return func(method, path, body string, header ...string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+Prefix+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/scim+json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, string(b)
	}
}

// TestReplaceRetried: a PUT without If-Match that a concurrent write overtook
// between its read and its write is applied over that write, as a PATCH is; a
// PUT with a stale If-Match is 412.
func TestReplaceRetried(t *testing.T) {
	forEachStore(t, func(t *testing.T, inner roster.Store, tenantID string) {
		ctx := context.Background()
		st := &interleaved{Store: inner}
		do := serve(t, st, tenantID)
		u := &roster.User{UserName: "ada@contoso.com", Active: true, Doc: map[string]any{"userName": "ada@contoso.com"}}
		if err := inner.CreateUser(ctx, tenantID, u); err != nil {
			t.Fatal(err)
		}
		g := &roster.Group{DisplayName: "Staff", Doc: map[string]any{"displayName": "Staff"}, Members: []roster.Member{}}
		if err := inner.CreateGroup(ctx, tenantID, g); err != nil {
			t.Fatal(err)
		}
		overtakeUser := func() {
			o, err := inner.User(ctx, tenantID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			o.Doc["displayName"], o.DisplayName = "Overtaken", "Overtaken"
			if err := inner.ReplaceUser(ctx, tenantID, o, o.Version); err != nil {
				t.Fatal(err)
			}
		}
		overtakeGroup := func() {
			o, err := inner.Group(ctx, tenantID, g.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			o.Doc["displayName"], o.DisplayName = "Overtaken", "Overtaken"
			if err := inner.ReplaceGroup(ctx, tenantID, o, o.Version); err != nil {
				t.Fatal(err)
			}
		}
		userBody := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@contoso.com","displayName":"Mine"}`
		groupBody := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Mine"}`

		st.between = overtakeUser
		if status, body := do("PUT", "/Users/"+u.ID, userBody); status != 200 || !strings.Contains(body, `"displayName":"Mine"`) || !strings.Contains(body, `W/\"3\"`) {
			t.Errorf("PUT user overtaken without If-Match = %d %s, want 200 with Mine at version 3", status, body)
		}
		st.between = overtakeGroup
		if status, body := do("PUT", "/Groups/"+g.ID, groupBody); status != 200 || !strings.Contains(body, `"displayName":"Mine"`) || !strings.Contains(body, `W/\"3\"`) {
			t.Errorf("PUT group overtaken without If-Match = %d %s, want 200 with Mine at version 3", status, body)
		}

		st.between = overtakeUser
		if status, body := do("PUT", "/Users/"+u.ID, userBody, "If-Match", `W/"3"`); status != 412 || !strings.Contains(body, `"status":"412"`) {
			t.Errorf("PUT user overtaken with If-Match = %d %s, want 412", status, body)
		}
		st.between = overtakeGroup
		if status, body := do("PUT", "/Groups/"+g.ID, groupBody, "If-Match", `W/"3"`); status != 412 || !strings.Contains(body, `"status":"412"`) {
			t.Errorf("PUT group overtaken with If-Match = %d %s, want 412", status, body)
		}
	})
}
