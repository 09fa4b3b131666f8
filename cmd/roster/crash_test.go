package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestCrashDelivery kills roster serve with SIGKILL in the middle of a burst of
// writes and starts it again: every change that was committed reaches the
// webhook receiver and the events feed, and nothing that was not committed is
// invented.
func TestCrashDelivery(t *testing.T) { forEachStore(t, testCrashDelivery) }

func testCrashDelivery(t *testing.T, db string) {
	bin := buildRoster(t)
	rc := &receiver{t: t, ackedIDs: map[string]int{}}
	recv := httptestServer(t, rc)
	s, out := startProcess(t, bin, db)
	s.token = out.waitFor(t, "Secret Token:")
	lines := strings.Split(strings.TrimSpace(s.cli(t, "webhook", "add", "--url", recv, "--from", "start")), "\n")
	rc.mu.Lock()
	rc.secret = lines[len(lines)-1]
	rc.mu.Unlock()

	// Writers create users until the server dies under them.
	var (
		mu      sync.Mutex
		created []string // userNames acknowledged with 201
		n       atomic.Int64
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d@example.com", w, i)
				status, ok := tryCreate(s, name)
				if !ok {
					return // the server is gone
				}
				if status == 201 {
					mu.Lock()
					created = append(created, name)
					mu.Unlock()
					n.Add(1)
				}
			}
		})
	}
	for n.Load() < 150 {
		time.Sleep(5 * time.Millisecond)
	}
	s.kill(t)
	close(stop)
	wg.Wait()

	// Start again on the same database; the relay resumes from its cursor.
	s2, _ := startProcess(t, bin, db)
	s2.token = s.token
	st := s2.openStore(t)
	ctx := context.Background()
	events, err := st.Events(ctx, roster.EventQuery{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	got := rc.waitFor(len(events))
	byID := map[string]*roster.Event{}
	for _, e := range events {
		byID[e.ID] = e
	}
	received := map[string]bool{}
	for _, e := range got {
		if byID[str(e, "id")] == nil {
			t.Errorf("received event %s (%s) that the store does not have", str(e, "id"), str(e, "type"))
		}
		if str(e, "type") == roster.UserCreated {
			received[str(e, "resource", "userName")] = true
		}
	}
	// Every acknowledged create, and every user the store holds, was delivered.
	for _, name := range created {
		if !received[name] {
			t.Errorf("user %s was created (201) but its event never arrived", name)
		}
	}
	users, total, err := st.Users(ctx, mustTenantID(t, st), roster.Query{Count: 100000, StartIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if !received[u.UserName] {
			t.Errorf("user %s is stored but its event never arrived", u.UserName)
		}
	}
	rc.mu.Lock()
	dups := rc.requests - len(rc.acked)
	rc.mu.Unlock()
	t.Logf("%d acknowledged creates, %d stored users, %d events delivered, %d redelivered after the crash",
		len(created), total, len(got), dups)
	if total < len(created) {
		t.Errorf("%d users stored, fewer than the %d acknowledged", total, len(created))
	}
}

// tryCreate posts a user and returns the status; ok is false when the server did not answer.
func tryCreate(s *testServer, name string) (int, bool) {
	req, err := newSCIMRequest(s, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true}`, name))
	if err != nil {
		return 0, false
	}
	res, err := crashClient.Do(req)
	if err != nil {
		return 0, false
	}
	res.Body.Close()
	return res.StatusCode, true
}

func mustTenantID(t *testing.T, st roster.Store) string {
	t.Helper()
	tn, err := st.Tenant(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// kill ends the server process with SIGKILL: no shutdown, no flush.
func (s *testServer) kill(t *testing.T) {
	t.Helper()
	if s.proc == nil {
		t.Fatal("kill: not a process")
	}
	s.proc.Signal(syscall.SIGKILL)
	s.stop() // reaps it; its error (killed) is expected
}
