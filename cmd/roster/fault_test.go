package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/sso"
)

// load creates users from a few writers until stopped, counting every status
// and keeping the userNames acknowledged with 201.
type load struct {
	t    *testing.T
	s    *testServer
	stop chan struct{}
	wg   sync.WaitGroup
	n    atomic.Int64 // creates acknowledged

	mu       sync.Mutex
	statuses map[int]int
	created  []string
	errs     []string
}

func startLoad(t *testing.T, s *testServer, writers int) *load {
	l := &load{t: t, s: s, stop: make(chan struct{}), statuses: map[int]int{}}
	for w := range writers {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				l.create(fmt.Sprintf("w%d-%d@example.com", w, i))
			}
		})
	}
	t.Cleanup(l.end)
	return l
}

// create posts one user and records the outcome; a 503 must say when to retry.
func (l *load) create(name string) {
	req, err := newSCIMRequest(l.s, "POST", "/Users",
		fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true}`, name))
	if err != nil {
		l.fail(err.Error())
		return
	}
	res, err := crashClient.Do(req)
	if err != nil {
		l.fail(fmt.Sprintf("POST /Users %s: %v (Roster must answer through the outage)", name, err))
		return
	}
	res.Body.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses[res.StatusCode]++
	switch res.StatusCode {
	case http.StatusCreated:
		l.created = append(l.created, name)
		l.n.Add(1)
	case http.StatusServiceUnavailable:
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
			l.errs = append(l.errs, fmt.Sprintf("503 with Retry-After %q", res.Header.Get("Retry-After")))
		}
	}
}

func (l *load) fail(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, msg)
}

// waitMore waits until n more creates than now were acknowledged.
func (l *load) waitMore(what string, n int64) {
	l.t.Helper()
	want := l.n.Load() + n
	waitUntil(l.t, what, func() bool { return l.n.Load() >= want })
}

// end stops the writers and waits for them.
func (l *load) end() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// TestPostgresRestart restarts the PostgreSQL server under a burst of writes,
// twice: at once (pg_ctl restart -m immediate), then held down for a while.
// Throughout, Roster answers 503 with Retry-After and never 500; /readyz fails
// while PostgreSQL is down and passes once it is back; Roster recovers without
// a restart of its own; every acknowledged create is stored, and its event
// is in the feed and reaches the webhook receiver, in order.
func TestPostgresRestart(t *testing.T) {
	cluster := testdb.NewCluster(t)
	rc := &receiver{t: t, ackedIDs: map[string]int{}}
	recv := httptestServer(t, rc)
	s := startServerEnv(t, cluster.URL(), map[string]string{"ROSTER_WEBHOOK_MIN_BACKOFF": "100ms", "ROSTER_SECRET_KEY": sso.NewKey()})
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--name", "app"))
	lines := strings.Split(strings.TrimSpace(s.cli(t, "webhook", "add", "--url", recv, "--from", "start")), "\n")
	rc.mu.Lock()
	rc.secret = lines[len(lines)-1]
	rc.mu.Unlock()

	l := startLoad(t, s, 4)
	l.waitMore("creates before the restart", 50)
	cluster.Restart(t)
	l.waitMore("creates after the restart", 50)

	// Held down: not ready, and a write is refused with a reason and a delay.
	cluster.Stop(t)
	if status, body := plainGet(t, s.admin+"/readyz?verbose"); status != 503 || !strings.Contains(body, "[-]store failed") {
		t.Errorf("GET /readyz while PostgreSQL is down: %d, want 503 with the store failed\n%s", status, body)
	}
	r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"down@example.com"}`)
	r.wantError(t, 503, "")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("503 while PostgreSQL is down has no Retry-After")
	}
	// The app API and sign-in say the same.
	for _, u := range []string{s.root() + "/api/v1/events", s.root() + sso.JWKSPath} {
		if status, retry := statusOf(t, u, key); status != 503 || retry == "" {
			t.Errorf("GET %s while PostgreSQL is down: %d with Retry-After %q, want 503 with one", u, status, retry)
		}
	}
	cluster.Start(t)
	waitUntil(t, "/readyz passes after PostgreSQL is back", func() bool {
		status, _ := plainGet(t, s.admin+"/readyz")
		return status == 200
	})
	for _, u := range []string{s.root() + "/api/v1/events", s.root() + sso.JWKSPath} {
		if status, _ := statusOf(t, u, key); status != 200 {
			t.Errorf("GET %s after PostgreSQL is back: %d, want 200", u, status)
		}
	}
	l.waitMore("creates after PostgreSQL is back", 50)
	l.end()

	l.mu.Lock()
	t.Logf("statuses under load: %v", l.statuses)
	for _, e := range l.errs {
		t.Error(e)
	}
	if l.statuses[http.StatusInternalServerError] > 0 {
		t.Errorf("%d creates answered 500 during the restarts", l.statuses[http.StatusInternalServerError])
	}
	for status := range l.statuses {
		if status != 201 && status != 503 {
			t.Errorf("%d creates answered %d", l.statuses[status], status)
		}
	}
	created := l.created
	l.mu.Unlock()
	checkDelivered(t, s, rc, created)
}

// checkDelivered checks that every acknowledged create is stored, and that
// its user.created event is in the feed, which is in seq order, and reached
// the webhook receiver.
func checkDelivered(t *testing.T, s *testServer, rc *receiver, created []string) {
	t.Helper()
	st := s.openStore(t)
	ctx := context.Background()
	users, _, err := st.Users(ctx, mustTenantID(t, st), roster.Query{Count: 100000, StartIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, u := range users {
		stored[u.UserName] = true
	}
	events, err := st.Events(ctx, roster.EventQuery{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	inFeed := map[string]bool{}
	for i, e := range events {
		if i > 0 && e.Seq <= events[i-1].Seq {
			t.Errorf("event %d follows %d in the feed", e.Seq, events[i-1].Seq)
		}
		if e.Type == roster.UserCreated {
			inFeed[e.ResourceID] = true
		}
	}
	for _, u := range users {
		if !inFeed[u.ID] {
			t.Errorf("user %s is stored but has no user.created event", u.UserName)
		}
	}
	for _, name := range created {
		if !stored[name] {
			t.Errorf("user %s was acknowledged (201) but is not stored", name)
		}
	}
	received := map[string]bool{}
	for _, e := range rc.waitFor(len(events)) {
		if str(e, "type") == roster.UserCreated {
			received[str(e, "resource", "userName")] = true
		}
	}
	for _, name := range created {
		if !received[name] {
			t.Errorf("user %s was acknowledged (201) but its event never reached the webhook", name)
		}
	}
	t.Logf("%d creates acknowledged, %d users stored, %d events delivered", len(created), len(users), len(events))
}

// statusOf sends a GET with a bearer credential and returns the status and
// the Retry-After header.
func statusOf(t *testing.T, url, bearer string) (status int, retryAfter string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	res, err := crashClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Retry-After")
}
