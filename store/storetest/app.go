package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

func testEventQueries(t *testing.T, s roster.Store) {
	ctx := context.Background()
	if seq, err := s.LastEventSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("LastEventSeq of an empty store = %d, %v; want 0", seq, err)
	}
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	u := mustUser(t, s, tn.ID, userSpec{userName: "alice"})
	mustUser(t, s, other.ID, userSpec{userName: "zed"})
	mustGroup(t, s, tn.ID, "Team", u.ID)
	if err := s.DeleteUser(ctx, tn.ID, u.ID, 0); err != nil {
		t.Fatal(err)
	}
	all, err := s.Events(ctx, roster.EventQuery{Limit: 100})
	if err != nil || len(all) != 4 {
		t.Fatalf("Events = %d, %v; want 4", len(all), err)
	}
	if seq, err := s.LastEventSeq(ctx); err != nil || seq != all[3].Seq {
		t.Errorf("LastEventSeq = %d, %v; want %d", seq, err, all[3].Seq)
	}
	got, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Types: []string{roster.UserCreated, roster.UserDeleted}, Limit: 100})
	if err != nil || len(got) != 2 || got[0].Type != roster.UserCreated || got[1].Type != roster.UserDeleted {
		t.Errorf("Events(types created, deleted) = %v, %v; want alice's created and deleted", got, err)
	}

	// Pruning deletes what is older than the cut and remembers how far it went.
	if n, err := s.PruneEvents(ctx, all[0].Time.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("PruneEvents(before everything) = %d, %v; want 0", n, err)
	}
	if seq, err := s.PrunedThrough(ctx); err != nil || seq != 0 {
		t.Errorf("PrunedThrough = %d, %v; want 0", seq, err)
	}
	n, err := s.PruneEvents(ctx, all[2].Time)
	if err != nil || n != 2 {
		t.Fatalf("PruneEvents(before the third) = %d, %v; want 2", n, err)
	}
	if seq, err := s.PrunedThrough(ctx); err != nil || seq != all[1].Seq {
		t.Errorf("PrunedThrough = %d, %v; want %d", seq, err, all[1].Seq)
	}
	left, err := s.Events(ctx, roster.EventQuery{Limit: 100})
	if err != nil || len(left) != 2 || left[0].Seq != all[2].Seq {
		t.Errorf("Events after pruning = %v, %v; want the last two", left, err)
	}
}

// testRecentEvents pages a tenant's events newest first, each page Before the
// last one's seq, as the console shows them.
func testRecentEvents(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	var users []*roster.User
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		users = append(users, mustUser(t, s, tn.ID, userSpec{userName: name}))
		mustUser(t, s, other.ID, userSpec{userName: name})
	}
	if err := s.DeleteUser(ctx, tn.ID, users[1].ID, 0); err != nil {
		t.Fatal(err)
	}
	var got []string
	q := roster.EventQuery{TenantID: tn.ID, Newest: true, Limit: 2}
	for page := 0; ; page++ {
		es, err := s.Events(ctx, q)
		if err != nil {
			t.Fatalf("Events(%+v) = %v", q, err)
		}
		if len(es) == 0 || page > 5 {
			break
		}
		for _, e := range es {
			if e.TenantID != tn.ID {
				t.Errorf("Events(%+v) holds an event of another tenant", q)
			}
			got = append(got, e.Type+" "+e.ResourceID)
		}
		q.Before = es[len(es)-1].Seq
	}
	want := []string{roster.UserDeleted + " " + users[1].ID}
	for i := len(users) - 1; i >= 0; i-- {
		want = append(want, roster.UserCreated+" "+users[i].ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("acme's events newest first, two at a time (-want +got):\n%s", diff)
	}

	created, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Types: []string{roster.UserCreated}, Newest: true, Limit: 2})
	if err != nil || len(created) != 2 || created[0].ResourceID != users[4].ID || created[1].ResourceID != users[3].ID {
		t.Fatalf("Events(user.created, newest, 2) = %v, %v; want erin's and dave's", created, err)
	}
	// Before bounds oldest-first reads too.
	es, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Before: created[1].Seq, Limit: 100})
	if err != nil || len(es) != 3 || es[0].ResourceID != users[0].ID || es[2].ResourceID != users[2].ID {
		t.Errorf("Events(before dave's, oldest first) = %v, %v; want alice's, bob's and carol's", es, err)
	}
}

func testAPIKeys(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	secret, prefix, hash := roster.NewAPIKeySecret()
	k := &roster.APIKey{TenantID: tn.ID, Name: "app", Prefix: prefix, Hash: hash}
	if err := s.CreateAPIKey(ctx, k); err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	global := &roster.APIKey{Name: "ops", Prefix: "rak_global00", Hash: []byte{1}}
	if err := s.CreateAPIKey(ctx, global); err != nil {
		t.Fatalf("CreateAPIKey(every tenant) = %v", err)
	}
	wantCode(t, "CreateAPIKey(no tenant)", s.CreateAPIKey(ctx, &roster.APIKey{TenantID: "nope", Prefix: "p", Hash: []byte{1}}), roster.ENOTFOUND)
	ks, err := s.APIKeysByPrefix(ctx, roster.APIKeyPrefix(secret))
	if err != nil || len(ks) != 1 || !ks[0].Matches(secret) || ks[0].TenantID != tn.ID || !ks[0].Sees(tn.ID) || ks[0].Sees("x") {
		t.Fatalf("APIKeysByPrefix = %v, %v; want the tenant's key", ks, err)
	}
	all, err := s.APIKeys(ctx)
	if err != nil || len(all) != 2 || all[0].ID != global.ID || all[0].TenantID != "" || !all[0].Sees(tn.ID) {
		t.Fatalf("APIKeys = %v, %v; want the global key first", all, err)
	}
	if got, err := s.APIKey(ctx, k.ID); err != nil || got.ID != k.ID || got.TenantID != tn.ID || got.Prefix != prefix || got.Name != "app" || !got.Matches(secret) {
		t.Fatalf("APIKey = %+v, %v; want the tenant's key", got, err)
	}
	_, err = s.APIKey(ctx, "nope")
	wantCode(t, "APIKey(unknown)", err, roster.ENOTFOUND)
	if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatalf("RevokeAPIKey = %v", err)
	}
	wantCode(t, "RevokeAPIKey(unknown)", s.RevokeAPIKey(ctx, "nope"), roster.ENOTFOUND)
	if ks, _ := s.APIKeysByPrefix(ctx, prefix); len(ks) != 1 || ks[0].Revoked.IsZero() {
		t.Errorf("after RevokeAPIKey: %v; want revoked", ks)
	}
	if got, err := s.APIKey(ctx, k.ID); err != nil || got.Revoked.IsZero() {
		t.Errorf("APIKey after RevokeAPIKey = %+v, %v; want revoked", got, err)
	}
	if roster.APIKeyPrefix(secret) == "" || roster.TokenPrefix(secret) != "" {
		t.Errorf("an API key secret must not pass as a SCIM token")
	}
}

func testWebhooks(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	w := &roster.Webhook{TenantID: tn.ID, URL: "http://127.0.0.1:1/hook", Secret: roster.NewWebhookSecret(),
		Types: []string{roster.UserCreated}, Cursor: 7}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatalf("CreateWebhook = %v", err)
	}
	wantCode(t, "CreateWebhook(no tenant)", s.CreateWebhook(ctx, &roster.Webhook{TenantID: "nope", URL: "u", Secret: "s"}), roster.ENOTFOUND)
	got, err := s.Webhook(ctx, w.ID)
	if err != nil || got.URL != w.URL || got.Secret != w.Secret || got.Cursor != 7 || len(got.Types) != 1 || got.TenantID != tn.ID {
		t.Fatalf("Webhook = %+v, %v", got, err)
	}
	// Replacing the secret (sealing it) happens only while it is what was read.
	if ok, err := s.ReplaceWebhookSecret(ctx, w.ID, "stale", "sealed-1"); err != nil || ok {
		t.Errorf("ReplaceWebhookSecret(stale) = %v, %v; want false", ok, err)
	}
	if ok, err := s.ReplaceWebhookSecret(ctx, w.ID, w.Secret, "sealed-1"); err != nil || !ok {
		t.Errorf("ReplaceWebhookSecret = %v, %v; want true", ok, err)
	}
	if ok, err := s.ReplaceWebhookSecret(ctx, "nope", "sealed-1", "x"); err != nil || ok {
		t.Errorf("ReplaceWebhookSecret(no webhook) = %v, %v; want false", ok, err)
	}
	if got, err := s.Webhook(ctx, w.ID); err != nil || got.Secret != "sealed-1" {
		t.Errorf("Webhook after ReplaceWebhookSecret = %+v, %v", got, err)
	}

	now := time.Now().UTC().Truncate(time.Microsecond)
	a, err := s.LeaseWebhook(ctx, w.ID, "a", now, now.Add(time.Minute))
	if err != nil || a == nil || a.Cursor != 7 {
		t.Fatalf("LeaseWebhook(a) = %v, %v; want the webhook", a, err)
	}
	if b, err := s.LeaseWebhook(ctx, w.ID, "b", now, now.Add(time.Minute)); err != nil || b != nil {
		t.Fatalf("LeaseWebhook(b) while a holds it = %v, %v; want nil", b, err)
	}
	// A failed attempt: the cursor stays, the next attempt waits.
	a.Attempts, a.NextAttempt, a.FailingSince, a.LastError = 1, now.Add(time.Minute), now, "HTTP 500"
	d := &roster.Delivery{Seq: 8, EventID: "e8", EventType: roster.UserCreated, Attempt: 1, Time: now, Status: 500, Duration: 3 * time.Millisecond}
	if err := s.RecordDeliveries(ctx, "a", a, []*roster.Delivery{d}, now.Add(time.Minute)); err != nil {
		t.Fatalf("RecordDelivery = %v", err)
	}
	wantCode(t, "RecordDelivery(not the owner)", s.RecordDeliveries(ctx, "b", a, []*roster.Delivery{{Time: now}}, now.Add(time.Minute)), roster.EPRECONDITION)
	if err := s.ReleaseWebhook(ctx, w.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if b, err := s.LeaseWebhook(ctx, w.ID, "b", now, now.Add(time.Minute)); err != nil || b != nil {
		t.Fatalf("LeaseWebhook before NextAttempt = %v, %v; want nil", b, err)
	}
	b, err := s.LeaseWebhook(ctx, w.ID, "b", now.Add(2*time.Minute), now.Add(3*time.Minute))
	if err != nil || b == nil || b.Attempts != 1 || b.LastError != "HTTP 500" || !b.NextAttempt.Equal(now.Add(time.Minute)) {
		t.Fatalf("LeaseWebhook after NextAttempt = %+v, %v; want the failure state", b, err)
	}
	// Acknowledged: the cursor moves.
	b.Cursor, b.Attempts, b.NextAttempt, b.FailingSince, b.LastError = 8, 0, time.Time{}, time.Time{}, ""
	if err := s.RecordDeliveries(ctx, "b", b, []*roster.Delivery{{Seq: 8, EventID: "e8", EventType: roster.UserCreated, Attempt: 2, Time: now, Status: 204}}, now.Add(time.Minute)); err != nil {
		t.Fatalf("RecordDelivery(acked) = %v", err)
	}
	ds, err := s.Deliveries(ctx, w.ID, 10)
	if err != nil || len(ds) != 2 || ds[0].Status != 204 || ds[1].Status != 500 || ds[1].Duration != 3*time.Millisecond || ds[1].Acked() || !ds[0].Acked() {
		t.Fatalf("Deliveries = %v, %v; want the two attempts, newest first", ds, err)
	}
	// A lease expires; a failed webhook is not leased until reset.
	b.Failed = now
	if err := s.RecordDeliveries(ctx, "b", b, []*roster.Delivery{{Seq: 9, EventID: "e9", EventType: roster.UserCreated, Attempt: 9, Time: now}}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if c, err := s.LeaseWebhook(ctx, w.ID, "c", now.Add(time.Hour), now.Add(2*time.Hour)); err != nil || c != nil {
		t.Fatalf("LeaseWebhook of a failed webhook = %v, %v; want nil", c, err)
	}
	if err := s.ResetWebhook(ctx, w.ID, 3); err != nil {
		t.Fatalf("ResetWebhook = %v", err)
	}
	c, err := s.LeaseWebhook(ctx, w.ID, "c", now.Add(time.Hour), now.Add(2*time.Hour))
	if err != nil || c == nil || c.Cursor != 3 || !c.Failed.IsZero() || c.Attempts != 0 {
		t.Fatalf("LeaseWebhook after reset = %+v, %v; want cursor 3 and no failure", c, err)
	}
	if ws, err := s.Webhooks(ctx); err != nil || len(ws) != 1 {
		t.Errorf("Webhooks = %v, %v", ws, err)
	}
	if err := s.DeleteWebhook(ctx, w.ID); err != nil {
		t.Fatalf("DeleteWebhook = %v", err)
	}
	wantCode(t, "Webhook(deleted)", func() error { _, err := s.Webhook(ctx, w.ID); return err }(), roster.ENOTFOUND)
	wantCode(t, "DeleteWebhook(again)", s.DeleteWebhook(ctx, w.ID), roster.ENOTFOUND)
}

// testAPIKeyPage: keys a page at a time, newest first, live and revoked,
// found by a part of their name or prefix in any case.
func testAPIKeyPage(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	for i := range 7 {
		_, prefix, hash := roster.NewAPIKeySecret()
		k := &roster.APIKey{Name: fmt.Sprintf("Key %d", i), Prefix: prefix, Hash: hash}
		if i%2 == 0 {
			k.TenantID, k.Name = tn.ID, fmt.Sprintf("Reporting %d", i)
		}
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := s.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := newestFirst(all, func(k *roster.APIKey) (time.Time, string) { return k.Created, k.ID })
	got := walkPages(t, 3, func(after string) ([]*roster.APIKey, error) {
		return s.APIKeyPage(ctx, roster.APIKeyQuery{After: after, Limit: 3})
	}, func(k *roster.APIKey) string { return k.ID })
	if !slices.Equal(got, want) {
		t.Errorf("APIKeyPage walked %v, want %v", got, want)
	}
	found, err := s.APIKeyPage(ctx, roster.APIKeyQuery{Search: "REPORT", Limit: 10})
	if err != nil || len(found) != 4 || found[0].Name != "Reporting 6" {
		t.Errorf("APIKeyPage(search REPORT) = %d keys, %v; want 4, Reporting 6 first", len(found), err)
	}
	found, err = s.APIKeyPage(ctx, roster.APIKeyQuery{Search: strings.ToUpper(all[2].Prefix[4:]), Limit: 10})
	if err != nil || len(found) != 1 || found[0].ID != all[2].ID || len(found[0].Hash) == 0 {
		t.Errorf("APIKeyPage(search a prefix) = %v, %v; want its key", found, err)
	}
	if ks, err := s.APIKeyPage(ctx, roster.APIKeyQuery{After: "nope", Limit: 10}); err != nil || len(ks) != 0 {
		t.Errorf("APIKeyPage(after no key) = %v, %v; want none", ks, err)
	}
}

// newestFirst returns the ids of xs by creation time then id, both descending:
// the order of the stores' pages of keys and clients.
func newestFirst[T any](xs []T, key func(T) (time.Time, string)) []string {
	xs = slices.Clone(xs)
	slices.SortFunc(xs, func(a, b T) int {
		ca, ia := key(a)
		cb, ib := key(b)
		if c := cb.Compare(ca); c != 0 {
			return c
		}
		return strings.Compare(ib, ia)
	})
	ids := make([]string, len(xs))
	for i, x := range xs {
		_, ids[i] = key(x)
	}
	return ids
}

// walkPages reads every page of limit rows, each after the last of the one
// before, and returns the ids read; a page past the last is empty.
func walkPages[T any](t *testing.T, limit int, page func(after string) ([]T, error), id func(T) string) []string {
	t.Helper()
	var ids []string
	after := ""
	for range 100 {
		xs, err := page(after)
		if err != nil {
			t.Fatalf("page after %q: %v", after, err)
		}
		if len(xs) > limit {
			t.Fatalf("page after %q has %d rows, limit %d", after, len(xs), limit)
		}
		if len(xs) == 0 {
			return ids
		}
		for _, x := range xs {
			ids = append(ids, id(x))
		}
		after = id(xs[len(xs)-1])
	}
	t.Fatal("pages do not end")
	return nil
}
