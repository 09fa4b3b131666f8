package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// BenchmarkUsersPage renders the users page of a tenant of 100,000 users on
// SQLite, server-side (the handler, from the session cookie to the HTML):
// the first page, a search (a userName's start, which one user has, and
// one that every user has), and a page deep in the list. The users are made
// as Entra ID makes them, through the store, many at once as the SCIM
// server writes them; that takes a while.
func BenchmarkUsersPage(b *testing.B) {
	const n = 100000
	db := openSQLite(b)
	ctx := context.Background()
	svc := admin.New(db, time.Now, slog.New(slog.DiscardHandler))
	tn, err := svc.CreateTenant(cliCtx, "acme", "")
	if err != nil {
		b.Fatal(err)
	}
	seedUsers(b, db, tn.ID, n)
	if _, err := svc.CreateOperator(cliCtx, viewerEmail, roster.OperatorViewer, password); err != nil {
		b.Fatal(err)
	}
	secret, _, err := svc.StartSession(ctx, viewerEmail, password, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	h := New(svc, db, Options{PublicURL: "http://roster.example"}).Handler()

	users := Prefix + "/tenants/acme/users"
	for _, bc := range []struct{ name, path, first string }{
		{"first", users, benchUserName(0)},
		{"search", users + "?q=" + url.QueryEscape("SEED054321"), benchUserName(54321)},
		{"search-broad", users + "?q=seed0", benchUserName(0)},
		{"deep", users + "?after=" + url.QueryEscape(benchUserName(98999)), benchUserName(99000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.path, nil)
			req.AddCookie(&http.Cookie{Name: cookieName, Value: secret})
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `data-testid="user-link">`+bc.first+`<`) {
					b.Fatalf("GET %s: %d, not starting at %s\n%.2000s", bc.path, w.Code, bc.first, w.Body.String())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

func benchUserName(i int) string { return fmt.Sprintf("seed%06d@contoso.com", i) }

// seedUsers creates n users in the tenant, as Entra ID shapes them, from 64
// writers at once: the store commits concurrent writes together.
func seedUsers(b *testing.B, db store, tenantID string, n int) {
	b.Helper()
	start := time.Now()
	const writers = 64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				if err := db.CreateUser(context.Background(), tenantID, benchUser(i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d users in %v", n, time.Since(start).Round(time.Millisecond))
}

// benchUser is user i as Entra ID creates it: its email is its userName, with
// the enterprise extension and a name.
func benchUser(i int) *roster.User {
	name, ext, display := benchUserName(i), fmt.Sprintf("seed-ext-%06d", i), fmt.Sprintf("Seed %d", i)
	return &roster.User{UserName: name, ExternalID: ext, DisplayName: display, Active: true,
		Emails:       []roster.Email{{Value: name, Type: "work", Primary: true}},
		Entitlements: roster.Entitlements{Active: true},
		Doc: map[string]any{
			"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			"userName":    name,
			"externalId":  ext,
			"active":      true,
			"displayName": display,
			"name":        map[string]any{"givenName": "Seed", "familyName": fmt.Sprint(i), "formatted": display},
			"emails":      []any{map[string]any{"value": name, "type": "work", "primary": true}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
				"department": "Engineering", "employeeNumber": fmt.Sprint(i)},
		}}
}
