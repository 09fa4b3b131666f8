package console

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/browsertest"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/scim/server"
)

// logBase is the time of the first row seedLog appends.
var logBase = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// seedLog appends n rows to a tenant's log in one batch, a minute apart from
// logBase, oldest first: every tenth a POST refused with username_taken, the
// others PATCHes of users id-0 to id-4 (by i mod 5).
func seedLog(t testing.TB, db store, tenantID string, n int) []*roster.LogEntry {
	t.Helper()
	es := make([]*roster.LogEntry, n)
	for i := range es {
		at := logBase.Add(time.Duration(i) * time.Minute)
		e := &roster.LogEntry{TenantID: tenantID, Time: at, Latency: time.Millisecond, RequestID: fmt.Sprintf("req-%s-%d", tenantID, i),
			Method: "PATCH", Route: "PATCH /scim/v2/Users/{id}", Action: "update", ResourceType: "User",
			ResourceID: fmt.Sprintf("id-%d", i%5), Name: fmt.Sprintf("user%d@acme.example", i%5), Status: 200,
			Changes: json.RawMessage(`{"title":{"old":"Engineer","new":"Countess"}}`),
			Request: `{"Operations":[{"op":"replace","path":"title","value":"Countess"}]}`}
		if i%10 == 9 {
			e.Method, e.Route, e.Action, e.ResourceID, e.Status = "POST", "POST /scim/v2/Users", "create", "", 409
			e.ScimType, e.Reason, e.Changes = "uniqueness", "username_taken", nil
			e.Request = `{"userName":"user4@acme.example","password":"REDACTED"}`
		}
		es[i] = e
	}
	if err := db.AppendLog(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	return es
}

// rows counts the log rows of a page.
func (a answer) rows() int { return strings.Count(a.body, `data-testid="log-row"`) }

func TestLog(t *testing.T) { forEachStore(t, testLog) }

// testLog reads a tenant's log page by page and through each filter; the
// fixture's own two rows (a refusal and a create) make 72 rows, 8 of them
// failures, 9 of them creates.
func testLog(t *testing.T, db store) {
	f := newFixture(t, db)
	es := seedLog(t, db, f.tenant.ID, 70)
	globex, err := f.svc.CreateTenant(cliCtx, "globex", "")
	if err != nil {
		t.Fatal(err)
	}
	theirs := seedLog(t, db, globex.ID, 20)
	vic := f.signIn(t, viewerEmail)
	const logPath = Prefix + "/tenants/acme/log"

	first := vic.get(logPath).want(t, http.StatusOK)
	if n := first.rows(); n != pageSize || !strings.Contains(first.body, "2026-05-01 13:09:00") {
		t.Fatalf("first page: %d rows, want %d, the newest first", n, pageSize)
	}
	if strings.Contains(first.body, "req-"+globex.ID) {
		t.Error("the page shows another tenant's rows")
	}
	second := vic.get(first.link("next-page")).want(t, http.StatusOK)
	if n := second.rows(); n != 72-pageSize || strings.Contains(second.body, `data-testid="next-page"`) {
		t.Errorf("second page: %d rows, want %d and no next page", n, 72-pageSize)
	}

	explanation, _ := provlog.Explain("username_taken")
	failed := vic.get(logPath+"?outcome=failed").want(t, http.StatusOK)
	if n := failed.rows(); n != 8 || failed.testid("log-status") != "409" || failed.testid("log-reason") != "username_taken" ||
		html.UnescapeString(failed.testid("log-explanation")) != explanation.Explanation {
		t.Errorf("failures: %d rows, status %q, reason %q, explanation %q", n, failed.testid("log-status"), failed.testid("log-reason"), failed.testid("log-explanation"))
	}
	if !strings.Contains(failed.body, `<option value="failed" selected>`) {
		t.Error("the filter form forgot the outcome chosen")
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"status=409", 8},
		{"status=2xx", 63},
		{"method=PATCH", 63},
		{"action=create", 9},
		{"reason=username_taken", 8},
		{"reason=not_found", 0},
		{"since=2026-05-01T12:10&until=2026-05-01T12:20", 10},
		{"until=2026-05-01T12:20:00&outcome=failed", 2},
		{"request=" + es[5].RequestID, 1},
		{"request=" + theirs[5].RequestID, 0},
		{"user=user3@acme.example", 14},
		{"user=id-3&method=PATCH", 14},
	} {
		if a := vic.get(logPath+"?"+tc.query).want(t, http.StatusOK); a.rows() != min(tc.want, pageSize) {
			t.Errorf("%s: %d rows, want %d", tc.query, a.rows(), min(tc.want, pageSize))
		}
	}
	// A user's timeline reads oldest first, and pages on.
	timeline := vic.get(logPath+"?user=id-3").want(t, http.StatusOK)
	if timeline.testid("log-timeline") == "" || timeline.rows() != 14 || !strings.Contains(timeline.body, "2026-05-01 12:03:00") {
		t.Errorf("timeline of id-3: %d rows", timeline.rows())
	}
	if i, j := strings.Index(timeline.body, "12:03:00"), strings.Index(timeline.body, "12:08:00"); i < 0 || j < i {
		t.Error("the timeline is not oldest first")
	}

	// A refused filter: 422, the error at its field, what was typed kept.
	bad := vic.get(logPath+"?status=4x&since=yesterday").want(t, http.StatusUnprocessableEntity)
	if bad.testid("status-error") == "" || bad.testid("since-error") == "" || !strings.Contains(bad.body, `value="4x"`) ||
		!strings.Contains(bad.body, `aria-describedby="status-hint status-error"`) || bad.rows() != 0 {
		t.Errorf("a refused filter:\n%s", bad.body)
	}
	if a := vic.get(logPath+"?since=2026-05-01T12:20&until=2026-05-01T12:10").want(t, http.StatusUnprocessableEntity); a.testid("until-error") == "" {
		t.Error("until before since is not refused at until")
	}
	vic.get(logPath+"?before=x").want(t, http.StatusUnprocessableEntity)

	// A row in full: its reason explained, its bodies as stored.
	row := vic.get(failed.link("log-link")).want(t, http.StatusOK)
	if row.testid("log-reason") != "username_taken" || html.UnescapeString(row.testid("log-explanation")) != explanation.Explanation ||
		html.UnescapeString(row.testid("log-what-to-do")) != explanation.Action || row.testid("log-status") != "409" {
		t.Errorf("row page: reason %q, explanation %q", row.testid("log-reason"), row.testid("log-explanation"))
	}
	if got := row.testid("log-request"); !strings.Contains(got, "&#34;password&#34;: &#34;REDACTED&#34;") {
		t.Errorf("row page request body: %s", got)
	}
	patch := vic.get(logPath+"/"+strconv.FormatInt(es[3].ID, 10)).want(t, http.StatusOK)
	if !strings.Contains(patch.body, `data-testid="log-changes"`) || !strings.Contains(patch.body, "<code>&#34;Countess&#34;</code>") ||
		patch.link("log-timeline-link") != logPath+"?user=id-3" {
		t.Errorf("update row page:\n%s", patch.body)
	}
	vic.get(logPath+"/"+strconv.FormatInt(theirs[3].ID, 10)).want(t, http.StatusNotFound)
	vic.get(logPath+"/x").want(t, http.StatusNotFound)
	vic.get(logPath+"/999999").want(t, http.StatusNotFound)

	// Exports: the filters of the page, as files.
	if got := failed.link("export-csv"); got != logPath+".csv?outcome=failed" {
		t.Errorf("export link %q", got)
	}
	a := vic.get(logPath+".csv?outcome=failed").want(t, http.StatusOK)
	if ct, cd := a.header.Get("Content-Type"), a.header.Get("Content-Disposition"); ct != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(cd, "attachment; filename=roster-log-acme-") || !strings.HasSuffix(cd, ".csv") {
		t.Errorf("CSV export: %s, %s", ct, cd)
	}
	recs, err := csv.NewReader(strings.NewReader(a.body)).ReadAll()
	if err != nil || len(recs) != 9 || recs[0][0] != "id" || recs[1][15] != "username_taken" {
		t.Errorf("CSV export: %d records, %v", len(recs), err)
	}
	a = vic.get(logPath+".ndjson?user=id-3").want(t, http.StatusOK)
	lines := strings.Split(strings.TrimSpace(a.body), "\n")
	var firstRow provlog.Row
	if err := json.Unmarshal([]byte(lines[0]), &firstRow); err != nil || len(lines) != 14 || firstRow.ID != es[3].ID || firstRow.Request == "" {
		t.Errorf("NDJSON export of a timeline: %d lines, first %+v, %v", len(lines), firstRow, err)
	}
	if a := vic.get(logPath+".ndjson?limit=5").want(t, http.StatusOK); strings.Count(a.body, "\n") != 5 {
		t.Errorf("an export of 5 rows has %d", strings.Count(a.body, "\n"))
	}
	for _, q := range []string{"limit=0", "limit=100001", "limit=x", "status=600"} {
		vic.get(logPath+".csv?"+q).want(t, http.StatusUnprocessableEntity)
	}
	vic.get(Prefix+"/tenants/nobody/log.csv").want(t, http.StatusNotFound)
}

// TestLogExport exports more rows than the store is read at a time: every
// row once, in order, newest first (oldest first for a timeline), up to the
// limit asked.
func TestLogExport(t *testing.T) { forEachStore(t, testLogExport) }

func testLogExport(t *testing.T, db store) {
	f := newFixture(t, db)
	n := 2*exportBatch + 300
	es := seedLog(t, db, f.tenant.ID, n)
	vic := f.signIn(t, viewerEmail)
	ids := func(query string) []int64 {
		t.Helper()
		a := vic.get(Prefix+"/tenants/acme/log.ndjson?"+query).want(t, http.StatusOK)
		var out []int64
		for line := range strings.SplitSeq(strings.TrimSpace(a.body), "\n") {
			var r provlog.Row
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("export line %q: %v", line, err)
			}
			out = append(out, r.ID)
		}
		return out
	}
	all := ids("method=PATCH")
	want := n - n/10
	if len(all) != want || all[0] != es[n-2].ID {
		t.Fatalf("export of the PATCH rows: %d rows, want %d, newest first", len(all), want)
	}
	for i := 1; i < len(all); i++ {
		if all[i] >= all[i-1] {
			t.Fatalf("export: row %d (id %d) after id %d", i, all[i], all[i-1])
		}
	}
	if got := ids("limit=" + strconv.Itoa(exportBatch+1)); len(got) != exportBatch+1 {
		t.Errorf("export with a limit of %d: %d rows", exportBatch+1, len(got))
	}
	timeline := ids("user=id-1")
	if len(timeline) != n/5 || timeline[0] != es[1].ID || timeline[len(timeline)-1] < timeline[0] {
		t.Errorf("export of a timeline: %d rows from id %d", len(timeline), timeline[0])
	}
	if q := (url.Values{"user": {"id-1"}, "limit": {"3"}}); len(ids(q.Encode())) != 3 {
		t.Error("a timeline's export ignores its limit")
	}
}

// TestLogInBrowser creates a token on the connection page, in chromium, sends
// SCIM requests with it to a SCIM server over the same store, and finds them
// on the log page: the refused one with its reason, and on its own page the
// catalog's explanation.
func TestLogInBrowser(t *testing.T) {
	browsertest.Chromium(t)
	db := openSQLite(t)
	f := newFixture(t, db)
	rec := provlog.New(db, provlog.Options{Interval: 10 * time.Millisecond})
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go rec.Run(ctx)
	mux := http.NewServeMux()
	mux.Handle(server.Prefix+"/", server.New(db, server.Options{Log: rec, ConfigRefresh: -1, TokenCache: -1}).Handler())
	scim := httptest.NewServer(mux)
	t.Cleanup(scim.Close)

	tab := signInBrowser(t, f, adminEmail)
	tab.open(Prefix + "/tenants/acme")
	browsertest.Do(t, tab.ctx, "create a token",
		chromedp.SendKeys(chromedp.ID("token-name"), "Entra test"),
		chromedp.Click(chromedp.CSS(`form[action$="/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="secret-token"]`)))
	secret := browsertest.Run(t, tab.ctx, "read the token", chromedp.Text(chromedp.CSS(`[data-testid="secret-token"]`)))

	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@acme.example","externalId":"%s","active":true}`
	for _, tc := range []struct {
		ext  string
		want int
	}{{"ext-1", http.StatusCreated}, {"ext-2", http.StatusConflict}} {
		req, _ := http.NewRequest("POST", scim.URL+server.Prefix+"/Users", strings.NewReader(fmt.Sprintf(user, tc.ext)))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Fatalf("POST /Users (%s) with the new token: %d, want %d", tc.ext, res.StatusCode, tc.want)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); rec.Written() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the log has %d rows of the 2 requests", rec.Written())
		}
	}

	tab.open(Prefix + "/tenants/acme/log")
	rows := browsertest.Run(t, tab.ctx, "count rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="log-row"]').length`))
	first := browsertest.Run(t, tab.ctx, "read the newest row", chromedp.Text(chromedp.CSS(`[data-testid="log-row"]`)))
	status := browsertest.Run(t, tab.ctx, "read its status", chromedp.Text(chromedp.CSS(`[data-testid="log-status"]`)))
	if rows != 4 || !strings.Contains(first, "grace@acme.example") || status != "409" {
		t.Fatalf("log page: %d rows, the newest %q with status %q", rows, first, status)
	}
	browsertest.Axe(t, tab.ctx, "log with SCIM requests")
	browsertest.Do(t, tab.ctx, "open the refused request",
		chromedp.Click(chromedp.CSS(`[data-testid="log-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="log-explanation"]`)))
	explanation := browsertest.Run(t, tab.ctx, "read its explanation", chromedp.Text(chromedp.CSS(`[data-testid="log-explanation"]`)))
	details := browsertest.Run(t, tab.ctx, "read its details", chromedp.Text(chromedp.CSS(`dl.values`)))
	want, _ := provlog.Explain("username_taken")
	if explanation != want.Explanation || !strings.Contains(details, "Entra test") || !strings.Contains(details, "ext-2") {
		t.Errorf("refused request's page: explanation %q, details %q", explanation, details)
	}
	browsertest.Axe(t, tab.ctx, "a refused request")
}
