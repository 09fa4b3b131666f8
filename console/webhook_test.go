package console

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/webhook"
)

// addWebhook gives acme an endpoint, and returns its id. Nothing delivers to
// it: no relay runs in a fixture.
func (f *fixture) addWebhook(t testing.TB) string {
	t.Helper()
	_, w, err := f.svc.AddWebhook(cliCtx, admin.NewWebhook{URL: "https://app.example.com/roster/webhooks", Tenant: "acme",
		Types: []string{roster.UserCreated, roster.UserDeleted}, From: "now"})
	if err != nil {
		t.Fatal(err)
	}
	return w.ID
}

// addUsers creates users in the tenant, each appending a user.created event.
func (f *fixture) addUsers(t testing.TB, tenantID string, names ...string) []*roster.User {
	t.Helper()
	var us []*roster.User
	for _, name := range names {
		u := &roster.User{UserName: name, Active: true, Doc: map[string]any{"userName": name, "active": true}}
		if err := f.db.CreateUser(context.Background(), tenantID, u); err != nil {
			t.Fatal(err)
		}
		us = append(us, u)
	}
	return us
}

// receiver is the host application's endpoint: a real HTTP server on
// 127.0.0.1 that verifies each message's signature and answers with status.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	status   int
	received []string // the types of the messages verified
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, status: http.StatusNoContent}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err := client.VerifyWebhook(rc.secret, r.Header, body, time.Now()); err != nil {
			t.Errorf("a message to %s: %v", r.URL.Path, err)
		}
		var msg struct{ Type string }
		json.Unmarshal(body, &msg)
		rc.received = append(rc.received, msg.Type)
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) set(secret string, status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secret, rc.status = secret, status
}

func (rc *receiver) types() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return strings.Join(rc.received, " ")
}

// eventually fails the test unless ok holds within ten seconds.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %s", what)
		}
	}
}

func TestWebhooks(t *testing.T) { forEachStore(t, testWebhooks) }

// testWebhooks walks the page as an operator does: the fixture's endpoint
// removed, one added (its secret shown once), a test message acknowledged and
// refused, deliveries failing until the endpoint is fixed and resumed, a
// replay; every change in the audit trail, and no secret anywhere after.
func testWebhooks(t *testing.T, db store) {
	f := newFixture(t, db)
	key, err := sso.ParseKey(sso.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := sso.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.SetWebhooks(sealer, webhook.New(db, webhook.Options{Sealer: sealer}))
	rc := newReceiver(t)
	ada, vic := f.signIn(t, adminEmail), f.signIn(t, viewerEmail)
	list := Prefix + "/tenants/acme/webhooks"
	fixtureHook := Prefix + "/tenants/acme/webhooks/" + f.params["webhook"]

	// A viewer sees the endpoint and no form.
	a := vic.get(list).want(t, http.StatusOK)
	if got := a.testid("webhook-state"); got != "ok" || !strings.Contains(a.body, "https://app.example.com/roster/webhooks") {
		t.Errorf("the fixture's endpoint: state %q\n%s", got, a.body)
	}
	a = vic.get(fixtureHook).want(t, http.StatusOK)
	if a2 := vic.get(list); strings.Contains(a.body+a2.body, `method="post" action="`+Prefix+"/tenants") {
		t.Error("a viewer is shown a form of a change")
	}

	// Removing asks for the box ticked.
	a = ada.post(fixtureHook+"/remove", nil).want(t, http.StatusUnprocessableEntity)
	if a.testid("remove-error") == "" || !strings.Contains(a.body, `aria-describedby="remove-error"`) {
		t.Error("an unconfirmed removal is refused without a word at the box")
	}
	a = ada.post(fixtureHook+"/remove", url.Values{"confirm": {"yes"}}).want(t, http.StatusSeeOther)
	a = ada.get(a.header.Get("Location")).want(t, http.StatusOK)
	if a.testid("flash") == "" || strings.Contains(a.body, `data-testid="webhook-row"`) {
		t.Errorf("after the removal: flash %q, rows left", a.testid("flash"))
	}
	ada.get(fixtureHook).want(t, http.StatusNotFound)

	// Adding: a refused form keeps what was typed and says why at the URL.
	a = ada.post(list, url.Values{"url": {"ftp://app.example/hooks"}, "types": {roster.UserDeleted}, "from": {"start"}}).want(t, http.StatusUnprocessableEntity)
	if got := a.testid("webhook-error"); !strings.Contains(got, "http://") {
		t.Errorf("a bad URL says %q", got)
	}
	for _, kept := range []string{`value="ftp://app.example/hooks"`, `value="` + roster.UserDeleted + `" checked`, `value="start" checked`, `aria-describedby="webhook-url-hint webhook-error"`} {
		if !strings.Contains(a.body, kept) {
			t.Errorf("the refused form lacks %s", kept)
		}
	}
	ada.post(list, url.Values{"url": {rc.srv.URL}, "types": {"user.exploded"}, "from": {"now"}}).want(t, http.StatusUnprocessableEntity)

	hookURL := rc.srv.URL + "/hooks"
	a = ada.post(list, url.Values{"url": {hookURL}, "types": {roster.UserCreated, roster.UserDeleted}, "from": {"now"}}).want(t, http.StatusOK)
	secret := html.UnescapeString(a.testid("signing-secret")) // base64: a "+" comes as &#43;
	if !strings.HasPrefix(secret, "whsec_") || !strings.Contains(a.body, `data-copy="signing-secret"`) {
		t.Fatalf("the new endpoint's page shows %q", secret)
	}
	rc.set(secret, http.StatusNoContent)
	page := a.link("new-webhook")
	hook := page[strings.LastIndex(page, "/")+1:]
	if got := ada.get(list); strings.Contains(html.UnescapeString(got.body), secret) || got.testid("webhook-state") != "ok" || !strings.Contains(got.body, hookURL) {
		t.Errorf("the list after: state %q, secret shown again or endpoint missing", got.testid("webhook-state"))
	}
	if got := ada.get(page).want(t, http.StatusOK); strings.Contains(html.UnescapeString(got.body), secret) || got.testid("webhook-url") != hookURL {
		t.Errorf("the endpoint's page: URL %q, or the secret shown again", got.testid("webhook-url"))
	}
	if stored, err := db.Webhook(cliCtx, hook); err != nil || !strings.HasPrefix(stored.Secret, "sealed:") {
		t.Errorf("stored secret %q, %v: want it sealed", stored.Secret, err)
	}

	// A test message, acknowledged, then refused.
	a = ada.post(page+"/test", nil).want(t, http.StatusOK)
	if got := a.testid("test-result"); !strings.Contains(got, "acknowledged the test message: HTTP 204") {
		t.Errorf("test result %q", got)
	}
	if got := rc.types(); got != "webhook.test" {
		t.Errorf("the endpoint received %q, want a webhook.test", got)
	}
	rc.set(secret, http.StatusServiceUnavailable)
	if got := ada.post(page+"/test", nil).want(t, http.StatusOK).testid("test-result"); !strings.Contains(got, "did not acknowledge") || !strings.Contains(got, "HTTP 503") {
		t.Errorf("test result (endpoint down) %q", got)
	}

	// Deliveries fail until the endpoint is fixed and delivery resumed.
	relayCtx, stop := context.WithCancel(context.Background())
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		webhook.New(db, webhook.Options{Poll: 20 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
			GiveUp: time.Nanosecond, Sealer: sealer}).Run(relayCtx)
	}()
	defer func() { stop(); <-relayDone }()
	users := f.addUsers(t, f.tenant.ID, "amy@acme.example", "bob@acme.example")
	eventually(t, "the endpoint failing", func() bool { return ada.get(page).testid("webhook-state") == "failing" })
	a = ada.get(page)
	if a.testid("delivery-status") != "503" || !strings.Contains(a.testid("delivery-error"), "503") || a.testid("delivery-attempt") != "1" || a.testid("delivery-duration") == "" {
		t.Errorf("the failed attempt: status %q, error %q, attempt %q, duration %q", a.testid("delivery-status"), a.testid("delivery-error"),
			a.testid("delivery-attempt"), a.testid("delivery-duration"))
	}
	if got := ada.get(list); got.testid("webhook-state") != "failing" || !strings.Contains(got.testid("webhook-last"), "HTTP 503") {
		t.Errorf("the list: state %q, last delivery %q", got.testid("webhook-state"), got.testid("webhook-last"))
	}
	rc.set(secret, http.StatusOK)
	a = ada.post(page+"/resume", nil).want(t, http.StatusSeeOther)
	if got := ada.get(a.header.Get("Location")).testid("flash"); !strings.HasPrefix(got, "Resumed") {
		t.Errorf("after resume, flash %q", got)
	}
	last, err := db.LastEventSeq(cliCtx)
	if err != nil {
		t.Fatal(err)
	}
	delivered := func() bool {
		a := ada.get(page)
		return a.testid("webhook-state") == "ok" && a.testid("webhook-cursor") == strconv.FormatInt(last, 10)
	}
	eventually(t, "both events delivered after the resume", delivered)
	if got := ada.get(page).testid("delivery-status"); got != "200" {
		t.Errorf("the newest attempt's status %q, want 200", got)
	}

	// Replay: a cursor, or the refusal at the field with what was typed.
	a = ada.post(page+"/replay", url.Values{"from": {"-3"}}).want(t, http.StatusUnprocessableEntity)
	if a.testid("replay-error") == "" || !strings.Contains(a.body, `value="-3"`) || !strings.Contains(a.body, `aria-describedby="replay-hint replay-error"`) {
		t.Error("a bad cursor is refused without a word at the field, or loses what was typed")
	}
	sent := strings.Count(rc.types(), roster.UserCreated)
	a = ada.post(page+"/replay", url.Values{"from": {"0"}}).want(t, http.StatusSeeOther)
	if got := ada.get(a.header.Get("Location")).testid("flash"); !strings.Contains(got, "after cursor 0") {
		t.Errorf("after replay, flash %q", got)
	}
	eventually(t, "the events delivered again", func() bool { return strings.Count(rc.types(), roster.UserCreated) >= sent+2 && delivered() })
	stop()
	<-relayDone

	// The recent events, newest first.
	a = ada.get(list)
	if got := a.testid("event-seq"); got != strconv.FormatInt(last, 10) || !strings.Contains(a.body, users[1].ID) {
		t.Errorf("the newest event's cursor %q, want %d (bob's)", got, last)
	}

	// Another tenant's endpoint is not acme's; one of every tenant is, marked so.
	other, err := f.svc.CreateTenant(cliCtx, "other", "")
	if err != nil {
		t.Fatal(err)
	}
	_, theirs, err := f.svc.AddWebhook(cliCtx, admin.NewWebhook{URL: "https://other.example/hooks", Tenant: other.Name, From: "now"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AddWebhook(cliCtx, admin.NewWebhook{URL: "https://all.example/hooks", From: "now"}); err != nil {
		t.Fatal(err)
	}
	a = ada.get(list)
	if strings.Contains(a.body, "other.example") || !strings.Contains(a.body, "all.example") || a.testid("webhook-scope") != "every tenant" {
		t.Errorf("acme's endpoints: another tenant's shown, or every tenant's missing or unmarked (%q)", a.testid("webhook-scope"))
	}
	ada.get(list+"/"+theirs.ID).want(t, http.StatusNotFound)
	ada.post(list+"/"+theirs.ID+"/replay", url.Values{"from": {"0"}}).want(t, http.StatusNotFound)
	if w, _ := db.Webhook(cliCtx, theirs.ID); w.Cursor == 0 {
		t.Error("another tenant's endpoint was replayed through acme")
	}

	// Every change is in the audit trail under the operator's name; no secret is.
	rows, err := db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rows {
		if e.Actor != "operator:"+adminEmail {
			continue
		}
		actions = append(actions, e.Action)
		if e.Source != "127.0.0.1" {
			t.Errorf("%s from %q", e.Action, e.Source)
		}
		if doc := string(e.Before) + string(e.After); strings.Contains(doc, secret[len("whsec_"):]) || strings.Contains(doc, "sealed:") {
			t.Errorf("%s holds the signing secret: %s", e.Action, doc)
		}
	}
	if got := strings.Join(actions, " "); got != "webhook.replay webhook.resume webhook.add webhook.remove" {
		t.Errorf("audit trail: %s", got)
	}
}

// TestWebhookEvents: the recent events are shown 50 at a time, newest first,
// with a link to the older ones, and of one type when asked.
func TestWebhookEvents(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	var names []string
	for i := range 60 {
		names = append(names, fmt.Sprintf("u%02d@acme.example", i))
	}
	users := f.addUsers(t, f.tenant.ID, names...)
	for _, u := range users[:2] {
		if err := f.db.DeleteUser(context.Background(), f.tenant.ID, u.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	vic := f.signIn(t, viewerEmail)
	list := Prefix + "/tenants/acme/webhooks"
	first := vic.get(list).want(t, http.StatusOK)
	seqs := eventSeqs(t, first)
	if len(seqs) != pageSize || first.testid("event-type") != roster.UserDeleted {
		t.Fatalf("first page: %d rows, the first a %s; want %d, a %s", len(seqs), first.testid("event-type"), pageSize, roster.UserDeleted)
	}
	second := vic.get(first.link("next-page")).want(t, http.StatusOK)
	older := eventSeqs(t, second)
	// 62 events here, and the fixture's: its user and group, two users
	// created and deleted, the second delete held (provisioning.held).
	if len(older) != 68-pageSize || strings.Contains(second.body, `data-testid="next-page"`) {
		t.Errorf("second page: %d rows, want %d, and no next page", len(older), 68-pageSize)
	}
	all := append(seqs, older...)
	for i := 1; i < len(all); i++ {
		if all[i] >= all[i-1] {
			t.Fatalf("events not newest first: %v", all)
		}
	}
	deleted := vic.get(list+"?type="+roster.UserDeleted).want(t, http.StatusOK)
	if n := len(eventSeqs(t, deleted)); n != 3 || strings.Contains(deleted.body, `data-testid="event-type">`+roster.UserCreated) {
		t.Errorf("user.deleted events: %d rows, want 3 (2 here, 1 the fixture's) and no other type", n)
	}
	vic.get(list+"?type=user.exploded").want(t, http.StatusUnprocessableEntity)
	vic.get(list+"?before=x").want(t, http.StatusUnprocessableEntity)
}

// eventSeqs reads the cursors of the events' rows of a page.
func eventSeqs(t *testing.T, a answer) []int64 {
	t.Helper()
	var seqs []int64
	for _, part := range strings.Split(a.body, `data-testid="event-seq">`)[1:] {
		n, err := strconv.ParseInt(part[:strings.Index(part, "<")], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, n)
	}
	return seqs
}
