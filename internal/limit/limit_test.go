package limit

import (
	"context"
	"fmt"
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
	f := NewFailures(FailureOptions{Burst: 4, Every: time.Second, SlowDown: 100 * time.Millisecond, MaxPenalty: 5 * time.Second, Clock: c.Now})

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
	// Spent: blocked, and each refused attempt pushes the next one back.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		d, blocked := f.Blocked("a")
		if !blocked || d != want {
			t.Fatalf("Blocked after %d refusals = %v, %v; want %v, true", i, d, blocked, want)
		}
	}
	// Up to MaxPenalty, no further.
	for range 10 {
		f.Blocked("a")
	}
	if d, _ := f.Blocked("a"); d != 5*time.Second {
		t.Errorf("Blocked after many refusals = %v, want the 5s bound", d)
	}
	// Other keys are not affected.
	if _, blocked := f.Blocked("b"); blocked {
		t.Error("key b is blocked by key a's failures")
	}
	// Time refills the bucket.
	c.Advance(6 * time.Second)
	if _, blocked := f.Blocked("a"); blocked {
		t.Error("still blocked after the penalty passed")
	}
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
