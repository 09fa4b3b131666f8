package limit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// clock is a fake clock moved by hand.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func TestFailures(t *testing.T) {
	c := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := NewFailures(FailureOptions{Burst: 4, Every: time.Second, SlowDown: 100 * time.Millisecond, Clock: c.Now})

	// Half the burst is answered at once, the rest slowed down.
	for i, want := range []time.Duration{0, 0, 100 * time.Millisecond, 100 * time.Millisecond} {
		if _, blocked := f.Blocked("a"); blocked {
			t.Fatalf("failure %d: blocked before the burst is spent", i)
		}
		delay, _, blocked := f.Fail("a")
		if blocked || delay != want {
			t.Fatalf("Fail %d = delay %v, blocked %v; want %v, false", i, delay, blocked, want)
		}
	}
	// Spent: blocked, and attempts refused meanwhile do not push the end back.
	for i := range 100 {
		if _, d, blocked := f.Fail("a"); !blocked || d != time.Second {
			t.Fatalf("Fail %d while blocked = %v, %v; want 1s, blocked", i, d, blocked)
		}
		if d, blocked := f.Blocked("a"); !blocked || d != time.Second {
			t.Fatalf("Blocked %d = %v, %v; want 1s, true", i, d, blocked)
		}
	}
	// Other keys are not affected.
	if _, blocked := f.Blocked("b"); blocked {
		t.Error("key b is blocked by key a's failures")
	}
	// One Every later the key may fail once more.
	c.Advance(time.Second)
	if _, blocked := f.Blocked("a"); blocked {
		t.Error("still blocked one Every after the last counted failure")
	}
}

// TestFailuresReserve counts failures before the attempts are checked: of many
// at once, only the burst gets through, and refunds give failures back.
func TestFailuresReserve(t *testing.T) {
	c := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := NewFailures(FailureOptions{Burst: 5, Every: 12 * time.Second, Clock: c.Now})
	var (
		mu   sync.Mutex
		held []*Reservation
		wg   sync.WaitGroup
	)
	for range 60 {
		wg.Go(func() {
			if res, _, blocked := f.Reserve("u"); !blocked {
				mu.Lock()
				held = append(held, res)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(held) != 5 {
		t.Fatalf("%d of 60 concurrent attempts reserved, want the burst of 5", len(held))
	}
	if _, d, blocked := f.Reserve("u"); !blocked || d != 12*time.Second {
		t.Fatalf("Reserve after the burst = %v, %v; want blocked for 12s", d, blocked)
	}
	held[0].Refund()
	if _, _, blocked := f.Reserve("u"); blocked {
		t.Fatal("a refunded failure was not given back")
	}
	(*Reservation)(nil).Refund()
}

func TestFailuresForget(t *testing.T) {
	c := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := NewFailures(FailureOptions{Burst: 2, MaxKeys: 3, Clock: c.Now})
	for i := range 10 {
		f.Fail(fmt.Sprint("k", i))
		if n := len(f.keys); n > 3 {
			t.Fatalf("%d keys remembered, want at most 3", n)
		}
	}
}

func TestInflight(t *testing.T) {
	ctx := context.Background()
	if !(*Inflight)(nil).Acquire(ctx, 0) {
		t.Fatal("a nil cap refused")
	}
	in := NewInflight(2)
	for i := range 2 {
		if !in.Acquire(ctx, time.Millisecond) {
			t.Fatalf("could not take slot %d of two", i)
		}
	}
	if in.Acquire(ctx, time.Millisecond) {
		t.Fatal("took a third slot of two")
	}
	in.Release()
	if !in.Acquire(ctx, time.Millisecond) {
		t.Fatal("a released slot was not given again")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if in.Acquire(cancelled, time.Hour) {
		t.Fatal("took a slot of a full cap for a cancelled request")
	}
}

func TestTenantsReload(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tn := &roster.Tenant{Name: "acme"}
	if err := st.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	ts := NewTenants(st, TenantOptions{Default: roster.RateLimit{Rate: 1000, Burst: 1000}, Clock: c.Now})
	for i := range 10 {
		if _, ok := ts.Wait(ctx, tn.ID, time.Millisecond); !ok {
			t.Fatalf("request %d refused under the default limit", i)
		}
	}
	if err := st.UpdateTenantSettings(ctx, tn.ID, roster.TenantSettings{RateLimit: roster.RateLimit{Rate: 0.5, Burst: 1}}); err != nil {
		t.Fatal(err)
	}
	// Until the settings are a second old, the limiter keeps them.
	if _, ok := ts.Wait(ctx, tn.ID, time.Millisecond); !ok {
		t.Fatal("the new settings applied before the reload interval")
	}
	c.Advance(time.Second)
	if _, ok := ts.Wait(ctx, tn.ID, time.Millisecond); !ok {
		t.Fatal("the one request of the new burst was refused")
	}
	d, ok := ts.Wait(ctx, tn.ID, time.Millisecond)
	if ok || d < time.Second || d > 2*time.Second {
		t.Fatalf("Wait past the new burst = %v, %v; want refused, retry in about 2s", d, ok)
	}
	// A zero rate takes the default again.
	if err := st.UpdateTenantSettings(ctx, tn.ID, roster.TenantSettings{}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	ts.Wait(ctx, tn.ID, time.Second) // reloads; may wait for the old rate's token
	for i := range 10 {
		if _, ok := ts.Wait(ctx, tn.ID, time.Millisecond); !ok {
			t.Fatalf("request %d refused after returning to the default", i)
		}
	}
}

// BenchmarkAdmit is what the limits add to one authenticated request when none
// is reached: the address's failure check, the tenant's bucket, a slot.
func BenchmarkAdmit(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, testdb.SQLitePath(b), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tn := &roster.Tenant{Name: "acme"}
	if err := st.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	ts := NewTenants(st, TenantOptions{Default: roster.RateLimit{Rate: 1e9, Burst: 1e9}})
	addrs := NewFailures(FailureOptions{})
	in := NewInflight(64)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			addrs.Blocked("192.0.2.1")
			if _, ok := ts.Wait(ctx, tn.ID, time.Second); !ok {
				b.Fatal("refused")
			}
			if !in.Acquire(ctx, time.Second) {
				b.Fatal("no slot")
			}
			in.Release()
		}
	})
}
