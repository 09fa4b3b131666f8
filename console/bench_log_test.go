package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/store/postgres"
)

// The scale of the console's benchmarks: a tenant's users, and its rows in
// the provisioning log, written as the recorder writes them, a batch at a time.
const (
	benchUsers    = 100000
	benchLogRows  = 300000
	benchLogBatch = 500
)

func openPostgres(tb testing.TB) store {
	tb.Helper()
	db, err := postgres.Open(context.Background(), testdb.Postgres(tb), postgres.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkLogPage renders the log page of a tenant with 100,000 users and
// 300,000 rows in its log (3% of them refused): the first page, the failures,
// a rarer reason of one method, a reason no row has (the whole log read for
// nothing), and a user's timeline.
func BenchmarkLogPage(b *testing.B) {
	for _, st := range []struct {
		name string
		open func(testing.TB) store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(st.name, func(b *testing.B) {
			db := st.open(b)
			h, cookie := benchConsole(b, db)
			tn, err := db.Tenant(context.Background(), "acme")
			if err != nil {
				b.Fatal(err)
			}
			names := seedBenchUsers(b, db, tn.ID)
			seedBenchLog(b, db, tn.ID, names)
			if a, ok := db.(interface {
				Analyze(context.Context) ([]string, error)
			}); ok {
				if _, err := a.Analyze(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			for _, page := range []struct{ name, query string }{
				{"first", ""},
				{"failed", "?outcome=failed"},
				{"reason", "?method=POST&reason=username_taken"},
				{"none", "?reason=not_found"},
				{"timeline", "?user=" + names[4242]},
			} {
				b.Run(page.name, func(b *testing.B) {
					req := httptest.NewRequest("GET", Prefix+"/tenants/acme/log"+page.query, nil)
					req.AddCookie(cookie)
					for b.Loop() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, req)
						if w.Code != http.StatusOK {
							b.Fatalf("GET %s: %d\n%s", req.URL, w.Code, w.Body)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
				})
			}
		})
	}
}

// benchConsole returns the console's handler over db, with the fixture's
// tenant and operators, and the session cookie of its viewer.
func benchConsole(b *testing.B, db store) (http.Handler, *http.Cookie) {
	b.Helper()
	f := newFixture(b, db)
	secret, _, err := f.svc.StartSession(context.Background(), viewerEmail, password, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	return New(f.svc, db, Options{}).Handler(), &http.Cookie{Name: cookieName, Value: secret}
}

// seedBenchUsers creates the tenant's users, 16 at a time, and returns their userNames.
func seedBenchUsers(b *testing.B, db store, tenantID string) []string {
	b.Helper()
	names := make([]string, benchUsers)
	const writers = 16
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < benchUsers; i += writers {
				names[i] = fmt.Sprintf("user%06d@acme.example", i)
				u := &roster.User{UserName: names[i], ExternalID: fmt.Sprintf("ext-%d", i), Active: true,
					Doc: map[string]any{"schemas": []any{filter.UserURN}, "userName": names[i], "externalId": fmt.Sprintf("ext-%d", i), "active": true}}
				if err := db.CreateUser(context.Background(), tenantID, u); err != nil {
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
	return names
}

// seedBenchLog appends the tenant's log rows in the recorder's batches, a
// second apart and ending now, shaped as Entra's traffic: lookups of the
// users, updates (6%), creates refused as a taken userName (1%) and updates
// refused with an invalid value (2%).
func seedBenchLog(b *testing.B, db store, tenantID string, names []string) {
	b.Helper()
	start := time.Now().Add(-benchLogRows * time.Second)
	batch := make([]*roster.LogEntry, 0, benchLogBatch)
	for i := range benchLogRows {
		name := names[i%len(names)]
		at := start.Add(time.Duration(i) * time.Second)
		e := &roster.LogEntry{TenantID: tenantID, Time: at, Latency: 2 * time.Millisecond, RequestID: roster.NewRequestID(at),
			Method: "GET", Route: "GET /scim/v2/Users", Query: `filter=userName eq "` + name + `"`, Action: "lookup",
			ResourceType: "User", Name: name, Status: 200, TokenPrefix: "rst_abcdefgh", TokenName: "Entra",
			Response: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"userName":"` + name + `"}]}`}
		switch i % 100 {
		case 1, 2, 3, 51, 52, 53:
			e.Method, e.Route, e.Query, e.Action = "PATCH", "PATCH /scim/v2/Users/{id}", "", "update"
			e.Request = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Engineer"}]}`
			e.Changes = []byte(`{"title":{"old":"Intern","new":"Engineer"}}`)
		case 7:
			e.Method, e.Route, e.Query, e.Action, e.Status = "POST", "POST /scim/v2/Users", "", "create", 409
			e.ScimType, e.Reason = "uniqueness", "username_taken"
			e.Request = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + name + `","password":"REDACTED"}`
		case 8, 58:
			e.Method, e.Route, e.Query, e.Action, e.Status = "PATCH", "PATCH /scim/v2/Users/{id}", "", "update", 400
			e.ScimType, e.Reason = "invalidValue", "value_invalid"
		}
		batch = append(batch, e)
		if len(batch) == benchLogBatch || i == benchLogRows-1 {
			if err := db.AppendLog(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
