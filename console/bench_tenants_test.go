package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/postgres"
)

// BenchmarkTenantsPage renders the tenants page's first 50 of 1,000 tenants,
// each with a token and a few log rows of the last day, five of them busy:
// 2,000 users and events, a webhook that acknowledged none of them, 5,000
// log rows in 500 flushes within the day and as many before it.
func BenchmarkTenantsPage(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchTenantsPage(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		db, err := postgres.Open(context.Background(), testdb.Postgres(b), postgres.Options{Analyze: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		benchTenantsPage(b, db)
	})
}

// Scale of BenchmarkTenantsPage.
const (
	benchTenants     = 1000
	benchBusy        = 5 // busy tenants, among the first page's
	benchBusyUsers   = 2000
	benchBusyLogRows = 5000
	benchFlushes     = 500
)

func benchTenantsPage(b *testing.B, db store) {
	ctx := context.Background()
	start := time.Now()
	ids := seedTenants(b, db)
	busy := make([]string, benchBusy)
	for i := range busy {
		busy[i] = ids[i*(pageSize/benchBusy)]
	}
	var wg sync.WaitGroup
	for _, id := range busy {
		wg.Go(func() { addUsers(b, db, id, benchBusyUsers) })
		if err := db.CreateWebhook(ctx, &roster.Webhook{TenantID: id, URL: "https://app.example/hook", Secret: "s"}); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	seedTenantLog(b, db, ids, busy)
	// PostgreSQL plans on statistics, which autovacuum gathers within a
	// minute of a bulk load: the page is measured as it runs from then on.
	if a, ok := db.(interface {
		Analyze(context.Context) ([]string, error)
	}); ok {
		if _, err := a.Analyze(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d tenants in %v", len(ids), time.Since(start).Round(time.Millisecond))

	svc := admin.New(db, time.Now, slog.New(slog.DiscardHandler))
	if _, err := svc.CreateOperator(cliCtx, adminEmail, roster.OperatorAdmin, password); err != nil {
		b.Fatal(err)
	}
	secret, _, err := svc.StartSession(ctx, adminEmail, password, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	h := New(svc, db, Options{PublicURL: "https://roster.example", SCIMPath: "/scim/v2"}).Handler()
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", Prefix+"/", nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: secret})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := get(); w.Code != http.StatusOK || strings.Count(w.Body.String(), `data-testid="tenant-row"`) != pageSize {
		b.Fatalf("tenants page: %d\n%s", w.Code, w.Body)
	}
	b.ResetTimer()
	for b.Loop() {
		get()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// seedTenants creates the benchmark's tenants, each with a token, eight at a
// time, and returns their ids in name order.
func seedTenants(b testing.TB, db store) []string {
	ctx := context.Background()
	ids := make([]string, benchTenants)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < benchTenants; i += 8 {
				tn := &roster.Tenant{Name: fmt.Sprintf("t%04d", i), DisplayName: fmt.Sprintf("Customer %d", i)}
				if err := db.CreateTenant(ctx, tn); err != nil {
					b.Error(err)
					return
				}
				ids[i] = tn.ID
				_, prefix, hash := roster.NewTokenSecret()
				if err := db.CreateToken(ctx, &roster.Token{TenantID: tn.ID, Prefix: prefix, Hash: hash, Expires: time.Now().Add(time.Duration(i) * time.Hour)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return ids
}

// seedTenantLog appends the log as the writer flushes it: the busy tenants' rows
// in benchFlushes flushes over the last day and as many the days before,
// every tenant's few rows in one flush.
func seedTenantLog(b testing.TB, db store, ids, busy []string) {
	ctx := context.Background()
	now := time.Now()
	perFlush := benchBusyLogRows / benchFlushes
	for _, since := range []time.Time{now.Add(-72 * time.Hour), now.Add(-23 * time.Hour)} {
		for f := range benchFlushes {
			at := since.Add(time.Duration(f) * 22 * time.Hour / benchFlushes)
			var batch []*roster.LogEntry
			for _, id := range busy {
				for i := range perFlush {
					status := []int{200, 200, 201, 200, 404, 200, 429, 200, 204, 500}[(f+i)%10]
					batch = append(batch, logEntry(id, at.Add(time.Duration(i)*time.Millisecond), "update", status))
				}
			}
			if err := db.AppendLog(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	var batch []*roster.LogEntry
	for _, id := range ids {
		for i := range 3 {
			batch = append(batch, logEntry(id, now.Add(-time.Duration(3-i)*time.Hour), "list", 200))
		}
	}
	if err := db.AppendLog(ctx, batch); err != nil {
		b.Fatal(err)
	}
}
