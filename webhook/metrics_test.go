package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// registry records the gauges registered with it.
type registry map[string]gauge

type gauge struct {
	help string
	read func() float64
}

func (r registry) GaugeFunc(name, help string, fn func() float64) { r[name] = gauge{help, fn} }

// TestMetrics reads the relay's gauges over a store with three events and two
// endpoints: the newest seq, and the backlog of the furthest-behind endpoint
// that is not failing.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ada", "bob", "cy"} {
		if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: name, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	last, err := db.LastEventSeq(ctx)
	if err != nil || last < 3 {
		t.Fatalf("LastEventSeq = %d, %v", last, err)
	}
	behind := &roster.Webhook{TenantID: tn.ID, URL: "https://example.com/a", Secret: roster.NewWebhookSecret(), Cursor: last - 2}
	failing := &roster.Webhook{TenantID: tn.ID, URL: "https://example.com/b", Secret: roster.NewWebhookSecret()}
	for _, w := range []*roster.Webhook{behind, failing} {
		if err := db.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	w, err := db.LeaseWebhook(ctx, failing.ID, "test", now, now.Add(time.Minute))
	if err != nil || w == nil {
		t.Fatalf("LeaseWebhook = %v, %v", w, err)
	}
	w.Failed = now
	if err := db.RecordDeliveries(ctx, "test", w, nil, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	reg := registry{}
	New(db, Options{}).Metrics(reg)
	want := map[string]struct {
		help  string
		value float64
	}{
		"roster_outbox_last_seq":        {"The seq of the newest event in the outbox.", float64(last)},
		"roster_webhook_backlog_events": {"Events the furthest-behind active webhook has yet to acknowledge.", 2},
	}
	if len(reg) != len(want) {
		t.Errorf("%d gauges registered, want %d", len(reg), len(want))
	}
	for name, w := range want {
		g, ok := reg[name]
		if !ok {
			t.Errorf("%s is not registered", name)
			continue
		}
		if v := g.read(); g.help != w.help || v != w.value {
			t.Errorf("%s: help %q, value %v; want help %q, value %v", name, g.help, v, w.help, w.value)
		}
	}
}
