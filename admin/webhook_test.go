package admin_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// TestAddWebhookRefuses checks AddWebhook's rules with the texts the command
// line has always printed: an absolute http(s) URL, known event types, a
// start of now, start or a cursor, an existing tenant. Nothing is added.
func TestAddWebhookRefuses(t *testing.T) {
	svc, db, ctx := newService(t)
	mustTenant(t, svc, ctx, "acme")
	for _, c := range []struct {
		name string
		n    admin.NewWebhook
		code string
		text string
	}{
		{"no URL", admin.NewWebhook{From: "now"}, roster.EINVALID, `webhook add: --url "": want an absolute http:// or https:// URL`},
		{"relative", admin.NewWebhook{URL: "/hooks", From: "now"}, roster.EINVALID, `webhook add: --url "/hooks": want an absolute http:// or https:// URL`},
		{"ftp", admin.NewWebhook{URL: "ftp://example.com/hooks", From: "now"}, roster.EINVALID, `webhook add: --url "ftp://example.com/hooks": want an absolute http:// or https:// URL`},
		{"no host", admin.NewWebhook{URL: "https:///hooks", From: "now"}, roster.EINVALID, `webhook add: --url "https:///hooks": want an absolute http:// or https:// URL`},
		{"unparsable", admin.NewWebhook{URL: "http://exa mple.com", From: "now"}, roster.EINVALID, `webhook add: --url "http://exa mple.com": want an absolute http:// or https:// URL`},
		{"unknown type", admin.NewWebhook{URL: "https://example.com", Types: []string{"user.created", " user.exploded"}, From: "now"}, roster.EINVALID,
			`webhook add: --types: unknown event type "user.exploded" (known: ` + strings.Join(roster.EventTypes, ", ") + ")"},
		{"empty type", admin.NewWebhook{URL: "https://example.com", Types: []string{"user.created", ""}, From: "now"}, roster.EINVALID,
			`webhook add: --types: unknown event type "" (known: ` + strings.Join(roster.EventTypes, ", ") + ")"},
		{"no from", admin.NewWebhook{URL: "https://example.com"}, roster.EINVALID, `webhook add: --from "": want now, start or a cursor`},
		{"bad from", admin.NewWebhook{URL: "https://example.com", From: "later"}, roster.EINVALID, `webhook add: --from "later": want now, start or a cursor`},
		{"negative from", admin.NewWebhook{URL: "https://example.com", From: "-1"}, roster.EINVALID, `webhook add: --from "-1": want now, start or a cursor`},
		{"unknown tenant", admin.NewWebhook{URL: "https://example.com", Tenant: "nope", From: "now"}, roster.ENOTFOUND, `tenant "nope" does not exist`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := svc.AddWebhook(ctx, c.n)
			if roster.ErrorCode(err) != c.code || err.Error() != c.text {
				t.Errorf("AddWebhook(%+v) = %v (%s), want %s: %s", c.n, err, roster.ErrorCode(err), c.code, c.text)
			}
		})
	}
	if ws, err := db.Webhooks(ctx); err != nil || len(ws) != 0 {
		t.Errorf("Webhooks = %d, %v; want none added", len(ws), err)
	}
	if rows := auditRows(t, svc, ctx, "webhook."); len(rows) != 0 {
		t.Errorf("audit: %d webhook rows, want none", len(rows))
	}
}

// TestAddWebhookFrom starts delivery after the newest event for "now", after
// the last pruned one for "start", and after the cursor given.
func TestAddWebhookFrom(t *testing.T) {
	svc, db, ctx := newService(t)
	acme := mustTenant(t, svc, ctx, "acme")
	for _, name := range []string{"ada", "bob"} {
		if err := db.CreateUser(ctx, acme.ID, &roster.User{UserName: name, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PruneEvents(ctx, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, acme.ID, &roster.User{UserName: "cy", Active: true}); err != nil {
		t.Fatal(err)
	}
	pruned, _ := db.PrunedThrough(ctx)
	last, _ := db.LastEventSeq(ctx)
	if pruned == 0 || last <= pruned {
		t.Fatalf("pruned through %d, last event %d: want some events kept after some pruned", pruned, last)
	}
	for from, want := range map[string]int64{"now": last, "start": pruned, "0": 0, "12345": 12345} {
		_, w, err := svc.AddWebhook(ctx, admin.NewWebhook{URL: "https://example.com/" + from, From: from})
		if err != nil || w.Cursor != want {
			t.Errorf("AddWebhook(from %s) = %+v, %v; want cursor %d", from, w, err, want)
			continue
		}
		if stored, err := db.Webhook(ctx, w.ID); err != nil || stored.Cursor != want {
			t.Errorf("stored webhook (from %s) = %+v, %v; want cursor %d", from, stored, err, want)
		}
	}
}

// TestWebhooks adds a webhook with its secret sealed, lists it, sends it a
// test message signed with that secret, reads its deliveries, replays,
// resumes and removes it, and checks the audit rows: one per change, the
// webhook by id and URL, never its secret, plain or sealed.
func TestWebhooks(t *testing.T) {
	svc, db, ctx := newService(t)
	acme := mustTenant(t, svc, ctx, "acme")
	key, err := sso.ParseKey(sso.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := sso.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := svc.TestWebhook(ctx, "nope"); err == nil {
		t.Errorf("TestWebhook with no relay = nil error, want one")
	}
	svc.SetWebhooks(sealer, webhook.New(db, webhook.Options{Sealer: sealer}))

	var (
		mu       sync.Mutex
		secret   string
		status   = http.StatusNoContent
		received []map[string]any
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		if err := client.VerifyWebhook(secret, r.Header, body, time.Now()); err != nil {
			t.Errorf("the test message: %v", err)
		}
		var msg map[string]any
		json.Unmarshal(body, &msg)
		received = append(received, msg)
		w.WriteHeader(status)
	}))
	defer srv.Close()

	secret, w, err := svc.AddWebhook(ctx, admin.NewWebhook{URL: srv.URL + "/hooks", Tenant: acme.ID, Types: []string{" user.created", "user.deleted"}, From: "now"})
	if err != nil {
		t.Fatalf("AddWebhook = %v", err)
	}
	if !strings.HasPrefix(secret, "whsec_") || w.Tenant != "acme" || w.TenantID != acme.ID || w.Secret != "" ||
		strings.Join(w.Types, ",") != "user.created,user.deleted" {
		t.Errorf("AddWebhook = %q, %+v (tenant %q); want a whsec_ secret, tenant acme, the types trimmed, no secret in the webhook", secret, w.Webhook, w.Tenant)
	}
	stored, err := db.Webhook(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.Secret, "sealed:") || strings.Contains(stored.Secret, strings.TrimPrefix(secret, "whsec_")) {
		t.Errorf("stored secret %q: want it sealed", stored.Secret)
	}
	if opened, err := webhook.OpenSecret(sealer, stored.Secret); err != nil || opened != secret {
		t.Errorf("OpenSecret(stored) = %q, %v; want the secret shown", opened, err)
	}

	if err := db.CreateUser(ctx, acme.ID, &roster.User{UserName: "ada", Active: true}); err != nil {
		t.Fatal(err)
	}
	ws, err := svc.Webhooks(ctx)
	if err != nil || len(ws) != 1 {
		t.Fatalf("Webhooks = %d, %v; want 1", len(ws), err)
	}
	if got := ws[0]; got.ID != w.ID || got.Tenant != "acme" || got.Behind != 1 || got.Secret != "" {
		t.Errorf("Webhooks[0] = %+v, tenant %q, behind %d; want tenant acme, 1 behind, no secret", got.Webhook, got.Tenant, got.Behind)
	}

	// A test message, acknowledged, then refused.
	_, err = svc.TestWebhook(ctx, "nope")
	wantCode(t, `TestWebhook("nope")`, err, roster.ENOTFOUND)
	r, err := svc.TestWebhook(ctx, w.ID)
	if err != nil || !r.Acknowledged() || r.Status != http.StatusNoContent || r.Error != "" {
		t.Errorf("TestWebhook = %+v, %v; want acknowledged with 204", r, err)
	}
	mu.Lock()
	status = http.StatusInternalServerError
	if len(received) != 1 || received[0]["type"] != "webhook.test" || received[0]["tenant"] != acme.ID {
		t.Errorf("the endpoint received %v; want one webhook.test of tenant acme", received)
	}
	mu.Unlock()
	if r, err := svc.TestWebhook(ctx, w.ID); err != nil || r.Acknowledged() || r.Status != http.StatusInternalServerError || r.Error == "" {
		t.Errorf("TestWebhook (endpoint failing) = %+v, %v; want not acknowledged, 500 and why", r, err)
	}

	// Deliveries: bounds, an unknown webhook, and none yet.
	for _, limit := range []int{-1, admin.MaxDeliveriesLimit + 1} {
		_, err := svc.Deliveries(ctx, w.ID, limit)
		wantCode(t, fmt.Sprintf("Deliveries(limit %d)", limit), err, roster.EINVALID)
	}
	_, err = svc.Deliveries(ctx, "nope", 0)
	wantCode(t, `Deliveries("nope")`, err, roster.ENOTFOUND)
	if ds, err := svc.Deliveries(ctx, w.ID, 0); err != nil || len(ds) != 0 {
		t.Errorf("Deliveries = %v, %v; want none", ds, err)
	}

	// Replay: the cursor's rules, then the cursor set.
	for from, text := range map[string]string{"": "webhook replay: --from CURSOR is required", "x": `webhook replay: --from "x" is not a cursor`, "-1": `webhook replay: --from "-1" is not a cursor`} {
		if _, err := svc.Replay(ctx, w.ID, from); roster.ErrorCode(err) != roster.EINVALID || err.Error() != text {
			t.Errorf("Replay(from %q) = %v, want EINVALID: %s", from, err, text)
		}
	}
	_, err = svc.Replay(ctx, "nope", "0")
	wantCode(t, `Replay("nope")`, err, roster.ENOTFOUND)
	if cursor, err := svc.Replay(ctx, w.ID, "0"); err != nil || cursor != 0 {
		t.Errorf("Replay(0) = %d, %v; want 0", cursor, err)
	}
	if got, _ := db.Webhook(ctx, w.ID); got.Cursor != 0 {
		t.Errorf("after Replay(0): cursor %d", got.Cursor)
	}

	// Resume: a webhook that gave up delivers again from its cursor.
	now := time.Now()
	leased, err := db.LeaseWebhook(ctx, w.ID, "relay", now, now.Add(time.Minute))
	if err != nil || leased == nil {
		t.Fatalf("LeaseWebhook = %v, %v", leased, err)
	}
	leased.Cursor, leased.Attempts, leased.FailingSince, leased.Failed, leased.LastError = 1, 9, now, now, "HTTP 500"
	if err := db.RecordDeliveries(ctx, "relay", leased, []*roster.Delivery{{Seq: 2, EventID: "e2", EventType: roster.UserCreated, Attempt: 9, Time: now, Status: 500}}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ds, err := svc.Deliveries(ctx, w.ID, 0); err != nil || len(ds) != 1 || ds[0].Status != 500 {
		t.Errorf("Deliveries = %v, %v; want the failed attempt", ds, err)
	}
	_, err = svc.Resume(ctx, "nope")
	wantCode(t, `Resume("nope")`, err, roster.ENOTFOUND)
	if cursor, err := svc.Resume(ctx, w.ID); err != nil || cursor != 1 {
		t.Errorf("Resume = %d, %v; want cursor 1", cursor, err)
	}
	if got, _ := db.Webhook(ctx, w.ID); got.Cursor != 1 || !got.Failed.IsZero() || got.Attempts != 0 {
		t.Errorf("after Resume: %+v; want cursor 1 and no failure", got)
	}

	// Remove.
	wantCode(t, `RemoveWebhook("nope")`, svc.RemoveWebhook(ctx, "nope"), roster.ENOTFOUND)
	if err := svc.RemoveWebhook(ctx, w.ID); err != nil {
		t.Fatalf("RemoveWebhook = %v", err)
	}
	_, err = db.Webhook(ctx, w.ID)
	wantCode(t, "Webhook(removed)", err, roster.ENOTFOUND)

	rows := auditRows(t, svc, ctx, "webhook.")
	want := []string{"webhook.add", "webhook.replay", "webhook.resume", "webhook.remove"}
	if len(rows) != len(want) {
		t.Fatalf("audit: %d webhook rows, want %v", len(rows), want)
	}
	for i, e := range rows {
		if e.Action != want[i] || e.Target != w.ID || e.Tenant != "acme" || e.TenantID != acme.ID || e.Actor != testActor.String() {
			t.Errorf("audit row %d = %s %s tenant %q by %s; want %s %s tenant acme by %s", i, e.Action, e.Target, e.Tenant, e.Actor, want[i], w.ID, testActor)
		}
		doc := string(e.Before) + string(e.After)
		if !strings.Contains(doc, w.ID) || !strings.Contains(doc, srv.URL+"/hooks") {
			t.Errorf("audit row %d %s: want the webhook's id and URL", i, doc)
		}
		if strings.Contains(doc, strings.TrimPrefix(secret, "whsec_")) || strings.Contains(doc, "sealed:") || strings.Contains(doc, "secret") {
			t.Errorf("audit row %d shows the signing secret: %s", i, doc)
		}
	}
	if s := string(rows[2].Before); !strings.Contains(s, `"failed"`) || strings.Contains(string(rows[2].After), `"failed"`) {
		t.Errorf("webhook.resume row: before %s, after %s; want failed before only", rows[2].Before, rows[2].After)
	}
}

// TestTenantWebhooks reads the webhooks a tenant's events go to — its own and
// those of every tenant, not another tenant's — and one webhook, each with its
// tenant's name and how far it is behind, never its signing secret.
func TestTenantWebhooks(t *testing.T) {
	svc, db, ctx := newService(t)
	acme := mustTenant(t, svc, ctx, "acme")
	mustTenant(t, svc, ctx, "other")
	add := func(url, tenant string) *admin.Webhook {
		t.Helper()
		_, w, err := svc.AddWebhook(ctx, admin.NewWebhook{URL: url, Tenant: tenant, From: "now"})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	own := add("https://app.example/acme", "acme")
	add("https://app.example/other", "other")
	every := add("https://app.example/all", "")
	if err := db.CreateUser(ctx, acme.ID, &roster.User{UserName: "ada", Active: true}); err != nil {
		t.Fatal(err)
	}

	tn, ws, err := svc.TenantWebhooks(ctx, "acme")
	if err != nil || tn.ID != acme.ID || len(ws) != 2 {
		t.Fatalf("TenantWebhooks(acme) = %v, %d webhooks, %v; want acme's and every tenant's", tn, len(ws), err)
	}
	for i, want := range []struct{ id, tenant string }{{own.ID, "acme"}, {every.ID, ""}} {
		if w := ws[i]; w.ID != want.id || w.Tenant != want.tenant || w.Behind != 1 || w.Secret != "" {
			t.Errorf("TenantWebhooks(acme)[%d] = %s of %q, behind %d, secret %q; want %s of %q, 1 behind, no secret",
				i, w.ID, w.Tenant, w.Behind, w.Secret, want.id, want.tenant)
		}
	}
	_, _, err = svc.TenantWebhooks(ctx, "nope")
	wantCode(t, `TenantWebhooks("nope")`, err, roster.ENOTFOUND)

	w, err := svc.Webhook(ctx, own.ID)
	if err != nil || w.URL != "https://app.example/acme" || w.Tenant != "acme" || w.Behind != 1 || w.Secret != "" {
		t.Errorf("Webhook = %+v, %v; want acme's, 1 behind, no secret", w, err)
	}
	if w, err := svc.Webhook(ctx, every.ID); err != nil || w.Tenant != "" || w.TenantID != "" {
		t.Errorf("Webhook(every tenant's) = %+v, %v", w, err)
	}
	_, err = svc.Webhook(ctx, "nope")
	wantCode(t, `Webhook("nope")`, err, roster.ENOTFOUND)
}
