package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/notify"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// fixture is a store with one tenant, and a relay over it running until the test ends.
type fixture struct {
	store  roster.Store
	tenant *roster.Tenant
	notify *notify.Broadcaster
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{notify: &notify.Broadcaster{}}
	f.store = notify.Store(db, f.notify)
	f.tenant = &roster.Tenant{Name: "acme"}
	if err := f.store.CreateTenant(context.Background(), f.tenant); err != nil {
		t.Fatal(err)
	}
	opts.Notify = f.notify
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { New(f.store, opts).Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

func (f *fixture) hook(t *testing.T, url string) *roster.Webhook {
	t.Helper()
	w := &roster.Webhook{TenantID: f.tenant.ID, URL: url, Secret: roster.NewWebhookSecret()}
	if err := f.store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) createUser(t *testing.T, name string) {
	t.Helper()
	if err := f.store.CreateUser(context.Background(), f.tenant.ID, &roster.User{UserName: name, Active: true}); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond for up to 30 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGivesUp marks an endpoint that keeps failing as failing, stops sending to
// it, and resumes from the same event after a reset.
func TestGivesUp(t *testing.T) {
	f := newFixture(t, Options{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, GiveUp: 200 * time.Millisecond, Poll: 20 * time.Millisecond})
	var fail atomic.Bool
	fail.Store(true)
	var calls, acks atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		acks.Add(1)
	}))
	defer srv.Close()
	w := f.hook(t, srv.URL)
	f.createUser(t, "ada")
	ctx := context.Background()
	eventually(t, "the endpoint is marked failing", func() bool {
		got, err := f.store.Webhook(ctx, w.ID)
		return err == nil && !got.Failed.IsZero()
	})
	got, _ := f.store.Webhook(ctx, w.ID)
	if got.Cursor != w.Cursor || got.Attempts < 2 || got.LastError == "" {
		t.Errorf("failing endpoint: %+v", got)
	}
	before := calls.Load()
	time.Sleep(100 * time.Millisecond) // five polls: a failing endpoint gets nothing
	if calls.Load() != before {
		t.Errorf("%d requests to a failing endpoint", calls.Load()-before)
	}
	fail.Store(false)
	if err := f.store.ResetWebhook(ctx, w.ID, got.Cursor); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the event is delivered after the reset", func() bool { return acks.Load() == 1 })
}

// TestSlowEndpoint shows that an endpoint that hangs delays no other endpoint.
func TestSlowEndpoint(t *testing.T) {
	f := newFixture(t, Options{Timeout: 10 * time.Second, Poll: 50 * time.Millisecond})
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer slow.Close()
	defer close(release)
	var mu sync.Mutex
	var got []string
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer fast.Close()
	f.hook(t, slow.URL)
	f.hook(t, fast.URL)
	for _, name := range []string{"a", "b", "c"} {
		f.createUser(t, name)
	}
	eventually(t, "the fast endpoint gets all three events while the slow one hangs", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 3
	})
}

func TestBackoff(t *testing.T) {
	r := New(nil, Options{MinBackoff: time.Second, MaxBackoff: 10 * time.Second})
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 30: 10 * time.Second} {
		for range 20 {
			if d := r.backoff(n); d < want*3/4 || d > want*5/4 {
				t.Errorf("backoff(%d) = %v, want %v ± 25%%", n, d, want)
			}
		}
	}
}

// countingStore counts the relay's lists of endpoints.
type countingStore struct {
	roster.Store
	lists atomic.Int64
}

func (s *countingStore) Webhooks(ctx context.Context) ([]*roster.Webhook, error) {
	s.lists.Add(1)
	return s.Store.Webhooks(ctx)
}

// TestNoEndpointsNoLists checks that with no endpoint, writes do not make the
// relay list endpoints again: only its polls do.
func TestNoEndpointsNoLists(t *testing.T) {
	db, err := sqlite.Open(context.Background(), testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := &notify.Broadcaster{}
	cs := &countingStore{Store: db}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { New(cs, Options{Notify: b, Poll: time.Hour}).Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "the first list", func() bool { return cs.lists.Load() == 1 })
	for range 50 {
		b.Notify()
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := cs.lists.Load(); n != 1 {
		t.Errorf("%d lists after 50 writes with no endpoint, want 1", n)
	}
}
