package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// buildRoster builds the roster binary into a temporary directory.
func buildRoster(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "roster")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess starts "roster serve" as its own process on db and returns once
// it serves; the process is stopped with SIGTERM when t ends. Its webhook
// leases last 2s, so that a test need not wait long after a crash.
func startProcess(t *testing.T, bin, db string) (s *testServer, stdout *watcher) {
	t.Helper()
	stdout, stderr := newWatcher(), newWatcher()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--drain-delay", "0s",
		"--db", db, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "ROSTER_WEBHOOK_LEASE=2s", "ROSTER_WEBHOOK_MIN_BACKOFF=100ms")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	s = &testServer{db: db, proc: cmd.Process}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err != nil && !killed(err) {
					t.Errorf("roster serve: %v\n%s", err, stderr.String())
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Errorf("roster serve did not stop on SIGTERM\n%s", stderr.String())
			}
		})
	}
	t.Cleanup(s.stop)
	s.base = stderr.waitFor(t, "serving SCIM 2.0 at ")
	return s, stdout
}

// killed reports whether a process ended by SIGKILL.
func killed(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// TestTwoInstances runs two "roster serve" processes on one new PostgreSQL
// database, started together, and provisions through both at once.
func TestTwoInstances(t *testing.T) {
	db := testdb.Postgres(t)
	bin := buildRoster(t)
	var (
		servers [2]*testServer
		outs    [2]*watcher
		wg      sync.WaitGroup
	)
	for i := range servers {
		wg.Go(func() { servers[i], outs[i] = startProcess(t, bin, db) })
	}
	wg.Wait()
	a, b := servers[0], servers[1]

	// Both raced to migrate the new database and create the first tenant; one won.
	var token string
	for _, out := range outs {
		if strings.Contains(out.String(), "Secret Token:") {
			if token != "" {
				t.Fatalf("both instances created the first tenant:\n%s\n%s", outs[0], outs[1])
			}
			token = out.waitFor(t, "Secret Token:")
		}
	}
	if token == "" {
		t.Fatalf("neither instance printed the first token:\n%s\n%s", outs[0], outs[1])
	}
	a.token, b.token = token, token

	// One webhook endpoint; both instances run a relay.
	rc := &receiver{t: t, ackedIDs: map[string]int{}}
	hook := strings.Split(strings.TrimSpace(a.cli(t, "webhook", "add", "--url", httptestServer(t, rc), "--from", "start")), "\n")
	rc.mu.Lock()
	rc.secret = hook[len(hook)-1]
	rc.mu.Unlock()

	// created collects the ids of the users either instance created (201).
	var (
		createdMu sync.Mutex
		created   []string
	)
	noteCreated := func(r response) {
		if r.status == 201 {
			createdMu.Lock()
			created = append(created, str(r.body, "id"))
			createdMu.Unlock()
		}
	}

	t.Run("same userName through both", func(t *testing.T) {
		for i := range 20 {
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"race%d@example.com"}`, i)
			var codes [2]response
			var wg sync.WaitGroup
			for j, s := range []*testServer{a, b} {
				wg.Go(func() { codes[j] = s.do(t, "POST", "/Users", body) })
			}
			wg.Wait()
			noteCreated(codes[0])
			noteCreated(codes[1])
			got := []int{codes[0].status, codes[1].status}
			if !(got[0] == 201 && got[1] == 409 || got[0] == 409 && got[1] == 201) {
				t.Fatalf("round %d: statuses %v, want one 201 and one 409\n%s\n%s", i, got, codes[0].raw, codes[1].raw)
			}
			for _, r := range codes {
				if r.status == 409 && str(r.body, "scimType") != "uniqueness" {
					t.Errorf("409 scimType = %q, want uniqueness", str(r.body, "scimType"))
				}
			}
		}
	})

	t.Run("members seen through the other at once", func(t *testing.T) {
		g := a.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Shared"}`).want(t, 201)
		gid := str(g.body, "id")
		// Each instance adds its own users to the group at the same time.
		const perInstance = 10
		ids := make([][]string, 2)
		var wg sync.WaitGroup
		for j, s := range []*testServer{a, b} {
			wg.Go(func() {
				for k := range perInstance {
					u := s.do(t, "POST", "/Users", fmt.Sprintf(
						`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"m%d-%d@example.com"}`, j, k)).want(t, 201)
					noteCreated(u)
					uid := str(u.body, "id")
					ids[j] = append(ids[j], uid)
					s.do(t, "PATCH", "/Groups/"+gid, fmt.Sprintf(
						`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":%q}]}]}`, uid)).want(t, 204)
					// Entra's membership check through the other instance sees it at once.
					other := []*testServer{a, b}[1-j]
					r := other.do(t, "GET", "/Groups?excludedAttributes=members&filter="+
						q(fmt.Sprintf(`id eq "%s" and members[value eq "%s"]`, gid, uid)), "").want(t, 200)
					if get(r.body, "totalResults") != float64(1) {
						t.Errorf("membership of %s through the other instance: %s", uid, r.raw)
					}
				}
			})
		}
		wg.Wait()
		got := b.do(t, "GET", "/Groups/"+gid, "").want(t, 200)
		members, _ := get(got.body, "members").([]any)
		if len(members) != 2*perInstance {
			t.Errorf("group has %d members, want %d: no concurrent add may be lost", len(members), 2*perInstance)
		}
		if v := str(got.body, "meta", "version"); v != fmt.Sprintf(`W/"%d"`, 1+2*perInstance) {
			t.Errorf("group version %s, want W/\"%d\": one per add", v, 1+2*perInstance)
		}
	})

	t.Run("events of both instances, one per write", func(t *testing.T) {
		st := a.openStore(t)
		es, err := st.Events(context.Background(), roster.EventQuery{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		createdEvents := map[string]int{}
		for _, e := range es {
			counts[e.Type]++
			if e.Type == roster.UserCreated {
				createdEvents[e.ResourceID]++
			}
		}
		// Every user either instance created has exactly one user.created event,
		// and the refused creates have none.
		for _, id := range created {
			if createdEvents[id] != 1 {
				t.Errorf("user %s created through an instance has %d user.created events", id, createdEvents[id])
			}
		}
		if len(createdEvents) != len(created) {
			t.Errorf("%d users have user.created events, %d were created", len(createdEvents), len(created))
		}
		want := map[string]int{roster.UserCreated: 20 + 20, roster.GroupCreated: 1, roster.GroupMembersAdded: 20}
		for typ, n := range want {
			if counts[typ] != n {
				t.Errorf("%d %s events, want %d (all: %v)", counts[typ], typ, n, counts)
			}
		}
	})

	t.Run("webhook: every event once, from either instance", func(t *testing.T) {
		es, err := a.openStore(t).Events(context.Background(), roster.EventQuery{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		got := rc.waitFor(len(es))
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.requests != len(es) {
			t.Errorf("%d deliveries for %d events: in a clean run no event is sent twice", rc.requests, len(es))
		}
		for i, e := range got {
			if str(e, "id") != es[i].ID {
				t.Fatalf("delivery %d is %s, the outbox has %s there", i, str(e, "id"), es[i].ID)
			}
		}
	})
}
