package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

// testTenantStats reads the figures of two tenants and of one that does not
// exist: live users and groups, tokens not revoked and when the last of them
// expires, the events a webhook has yet to acknowledge, and from the
// provisioning log the latest request, success and Test Connection and the
// requests of the last day, failed and throttled.
func testTenantStats(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "beta")
	if got, err := s.TenantStats(ctx, nil, time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("TenantStats(no tenant) = %v, %v; want none", got, err)
	}

	ada := mustUser(t, s, a.ID, userSpec{userName: "ada@example.com"})
	mustUser(t, s, a.ID, userSpec{userName: "bob@example.com"})
	retired := mustUser(t, s, a.ID, userSpec{userName: "cy@example.com"})
	if err := s.RetireUser(ctx, a.ID, retired.ID, 0); err != nil {
		t.Fatalf("RetireUser = %v", err)
	}
	mustGroup(t, s, a.ID, "Team", ada.ID)
	mustGroup(t, s, a.ID, "Staff")
	mustUser(t, s, b.ID, userSpec{userName: "dee@example.com"})

	now := time.Now().UTC().Truncate(time.Second)
	soon, later := now.Add(24*time.Hour), now.Add(90*24*time.Hour)
	revoked := &roster.Token{TenantID: a.ID, Prefix: "rst_revoked0", Hash: []byte("h1")}
	for _, k := range []*roster.Token{
		{TenantID: a.ID, Prefix: "rst_forever0", Hash: []byte("h0")},
		{TenantID: a.ID, Prefix: "rst_soon0000", Hash: []byte("h2"), Expires: soon},
		revoked,
		{TenantID: b.ID, Prefix: "rst_soon0001", Hash: []byte("h3"), Expires: soon},
		{TenantID: b.ID, Prefix: "rst_later000", Hash: []byte("h4"), Expires: later},
	} {
		if err := s.CreateToken(ctx, k); err != nil {
			t.Fatalf("CreateToken = %v", err)
		}
	}
	if err := s.RevokeToken(ctx, revoked.ID); err != nil {
		t.Fatalf("RevokeToken = %v", err)
	}

	// alpha's own webhook has acknowledged nothing; one for every tenant,
	// everything so far, then beta gains a user.
	events, err := s.Events(ctx, roster.EventQuery{TenantID: a.ID, Limit: 100})
	if err != nil || len(events) == 0 {
		t.Fatalf("Events = %d, %v", len(events), err)
	}
	last, err := s.LastEventSeq(ctx)
	if err != nil {
		t.Fatalf("LastEventSeq = %v", err)
	}
	for _, w := range []*roster.Webhook{{TenantID: a.ID, URL: "https://a.example/hook", Secret: "s"}, {URL: "https://all.example/hook", Secret: "s", Cursor: last}} {
		if err := s.CreateWebhook(ctx, w); err != nil {
			t.Fatalf("CreateWebhook = %v", err)
		}
	}
	mustUser(t, s, b.ID, userSpec{userName: "eve@example.com"})

	// The log, appended as its writer flushes: a day and more ago, then in
	// the last hour. beta's only request is old.
	entry := func(tn *roster.Tenant, ago time.Duration, action string, status int) *roster.LogEntry {
		return &roster.LogEntry{TenantID: tn.ID, Time: now.Add(-ago), RequestID: "r" + ago.String(), Method: "GET",
			Route: "GET /scim/v2/Users", Action: action, Status: status}
	}
	for _, batch := range [][]*roster.LogEntry{
		{entry(a, 30*time.Hour, "create", 500), entry(b, 30*time.Hour, "list", 200)},
		{entry(a, 60*time.Minute, "list", 200), entry(a, 50*time.Minute, "create", 201), entry(a, 40*time.Minute, "update", 429)},
		{entry(a, 20*time.Minute, "test-connection", 200), entry(a, 15*time.Minute, "get", 200), entry(a, 10*time.Minute, "list", 401)},
	} {
		if err := s.AppendLog(ctx, batch); err != nil {
			t.Fatalf("AppendLog = %v", err)
		}
	}

	got, err := s.TenantStats(ctx, []string{a.ID, b.ID, "nope"}, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatalf("TenantStats = %v", err)
	}
	want := map[string]roster.TenantStats{
		a.ID: {Users: 2, Groups: 2, Tokens: 2, Backlog: int64(len(events)),
			LastRequest: now.Add(-10 * time.Minute), LastSuccess: now.Add(-15 * time.Minute), TestConnection: now.Add(-20 * time.Minute),
			Requests: 6, Failures: 2, Throttled: 1},
		b.ID: {Users: 2, Tokens: 2, TokensExpire: later, Backlog: 1, LastRequest: now.Add(-30 * time.Hour), LastSuccess: now.Add(-30 * time.Hour)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TenantStats (-want +got):\n%s", diff)
	}
}
