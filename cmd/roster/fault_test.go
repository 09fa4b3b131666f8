package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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
	refused  string // the body of the first 503
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
	body, _ := io.ReadAll(res.Body)
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
		if l.refused == "" {
			l.refused = string(body)
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

// eventsReader follows the app API's events feed, as a host app does, through
// any outage: a 503 must say when to retry, and is retried.
type eventsReader struct {
	mu       sync.Mutex
	ids      []string // the events read, in order
	statuses map[int]int
	errs     []string
	stop     chan struct{}
	done     chan struct{}
}

func startEventsReader(t *testing.T, s *testServer, key string) *eventsReader {
	er := &eventsReader{statuses: map[int]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(er.done)
		cursor := ""
		for {
			select {
			case <-er.stop:
				return
			default:
			}
			next, ok := er.read(s.root(), key, cursor)
			if !ok {
				time.Sleep(50 * time.Millisecond) // as Retry-After asks, but sooner
			}
			cursor = next
		}
	}()
	t.Cleanup(er.end)
	return er
}

// read reads one page after cursor, waiting up to a second for one, and
// returns the next cursor; ok is false when the read failed.
func (er *eventsReader) read(root, key, cursor string) (next string, ok bool) {
	url := root + "/api/v1/events?limit=500&wait=1"
	if cursor != "" {
		url += "&after=" + cursor
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := crashClient.Do(req)
	er.mu.Lock()
	defer er.mu.Unlock()
	if err != nil {
		er.errs = append(er.errs, "GET /api/v1/events: "+err.Error())
		return cursor, false
	}
	defer res.Body.Close()
	er.statuses[res.StatusCode]++
	if res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
		er.errs = append(er.errs, "GET /api/v1/events: 503 without Retry-After")
	}
	if res.StatusCode != http.StatusOK {
		return cursor, false
	}
	var page struct {
		Data       []struct{ ID string }
		NextCursor string `json:"next_cursor"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		er.errs = append(er.errs, "GET /api/v1/events: "+err.Error())
		return cursor, false
	}
	for _, e := range page.Data {
		er.ids = append(er.ids, e.ID)
	}
	return page.NextCursor, true
}

func (er *eventsReader) end() {
	select {
	case <-er.stop:
	default:
		close(er.stop)
	}
	<-er.done
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

	uid := str(s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kept@example.com"}`).want(t, 201).body, "id")
	gid := str(s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Kept"}`).want(t, 201).body, "id")
	er := startEventsReader(t, s, key)
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
	// So does every SCIM route that needs the store.
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kept@example.com","active":false}`
	group := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Kept"}`
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + uid + `"}]}]}`
	search := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \"kept\""}`
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/Users/" + uid, ""}, {"GET", "/Users?filter=" + q(`userName eq "kept@example.com"`), ""},
		{"POST", "/Users/.search", search}, {"PUT", "/Users/" + uid, user},
		{"PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
		{"POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"New"}`},
		{"GET", "/Groups", ""}, {"GET", "/Groups/" + gid, ""}, {"PUT", "/Groups/" + gid, group},
		{"PATCH", "/Groups/" + gid, patch}, {"POST", "/.search", search},
		{"DELETE", "/Groups/" + gid, ""}, {"DELETE", "/Users/" + uid, ""},
	} {
		r := s.do(t, c.method, c.path, c.body)
		if r.status != 503 || r.header.Get("Retry-After") == "" {
			t.Errorf("%s %s while PostgreSQL is down: %d with Retry-After %q, want 503 with one\n%s",
				c.method, c.path, r.status, r.header.Get("Retry-After"), r.raw)
		}
		if strings.Contains(r.raw, "127.0.0.1") || strings.Contains(r.raw, "postgres") {
			t.Errorf("%s %s while PostgreSQL is down tells the client the cause: %s", c.method, c.path, r.raw)
		}
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
	events := checkDelivered(t, s, rc, created)

	// The app API's feed, read through the outage, has every event in order.
	waitUntil(t, "the events API caught up", func() bool {
		er.mu.Lock()
		defer er.mu.Unlock()
		return len(er.ids) >= len(events)
	})
	er.end()
	t.Logf("events API statuses: %v", er.statuses)
	for _, e := range er.errs {
		t.Error(e)
	}
	if er.statuses[http.StatusInternalServerError] > 0 {
		t.Errorf("the events API answered 500 %d times", er.statuses[http.StatusInternalServerError])
	}
	for i, e := range events {
		if i >= len(er.ids) || er.ids[i] != e.ID {
			t.Fatalf("the events API's event %d is not the feed's %s", i, e.ID)
		}
	}
}

// checkDelivered checks that every acknowledged create is stored, and that
// its user.created event is in the feed, which is in seq order, and reached
// the webhook receiver.
func checkDelivered(t *testing.T, s *testServer, rc *receiver, created []string) []*roster.Event {
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
	return events
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

// TestSQLiteDiskFull fills the disk under the SQLite database while users are
// created: writes are answered 503 with Retry-After and the reason
// storage_full, never 500; reads keep working; once space is freed, writes
// resume without a restart; and the file passes PRAGMA integrity_check.
// The disk is a tmpfs of 8 MB, mounted by the test (which needs root).
func TestSQLiteDiskFull(t *testing.T) {
	dir := smallDisk(t, "8m")
	// The provisioning log's file is kept off the full disk, so that its rows
	// of the refused writes can be read: SQLite follows the link to the
	// database, and keeps its WAL beside the file it leads to.
	logDir := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "roster.db"), filepath.Join(logDir, "roster.db")); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "sqlite:"+filepath.Join(logDir, "roster.db"))
	u := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"before@example.com"}`).want(t, 201)
	id := str(u.body, "id")

	l := startLoad(t, s, 4) // several writes per group commit
	l.waitMore("creates before the disk fills", 20)
	filler := fill(t, dir)
	waitUntil(t, "a create fails for lack of space", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.statuses[http.StatusServiceUnavailable]+l.statuses[http.StatusInternalServerError] > 0
	})
	l.mu.Lock()
	refused := l.refused
	l.mu.Unlock()
	if !strings.Contains(refused, `"status":"503"`) || !strings.Contains(refused, "disk is full") {
		t.Errorf("a create refused on a full disk answered %s, want a SCIM error saying the disk is full", refused)
	}
	if strings.Contains(refused, dir) || strings.Contains(refused, "(13)") {
		t.Errorf("a create refused on a full disk tells the client the cause: %s", refused)
	}
	// Reads still work, so the instance stays ready: taking it out of the
	// load balancer would refuse the reads too.
	if status, body := plainGet(t, s.admin+"/readyz?verbose"); status != 200 {
		t.Errorf("GET /readyz on a full disk: %d, want 200 (reads work)\n%s", status, body)
	}
	s.do(t, "GET", "/Users/"+id, "").want(t, 200)
	s.do(t, "GET", "/Users?filter="+q(`userName eq "before@example.com"`), "").want(t, 200)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	l.waitMore("creates after space is freed", 20)
	l.end()
	s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"after@example.com"}`).want(t, 201)

	l.mu.Lock()
	t.Logf("statuses under load: %v", l.statuses)
	for _, e := range l.errs {
		t.Error(e)
	}
	for status, n := range l.statuses {
		if status != 201 && status != 503 {
			t.Errorf("%d creates answered %d", n, status)
		}
	}
	created := l.created
	l.mu.Unlock()

	// The refused writes are in the provisioning log with their reason.
	waitUntil(t, "the refused create is in the provisioning log", func() bool {
		return strings.Contains(s.cli(t, "log", "--status", "503"), "storage_full")
	})
	s.stop()
	st := s.openStore(t)
	users, _, err := st.Users(context.Background(), mustTenantID(t, st), roster.Query{Count: 100000, StartIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, u := range users {
		stored[u.UserName] = true
	}
	for _, name := range created {
		if !stored[name] {
			t.Errorf("user %s was acknowledged (201) but is not stored", name)
		}
	}
	st.Close()
	checkIntegrity(t, filepath.Join(dir, "roster.db"))
}

// smallDisk mounts a tmpfs of size in a temporary directory until t ends.
// Without root, t is skipped (saying why), or fails when CI is "true".
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		msg := fmt.Sprintf("a small disk cannot be mounted (mount -t tmpfs needs root): %v %s", err, out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file into dir until its disk is full and returns its name.
func fill(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return name
			}
			t.Fatal(err)
		}
	}
}

// checkIntegrity runs PRAGMA integrity_check on the SQLite file at path.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var verdict string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&verdict); err != nil || verdict != "ok" {
		t.Errorf("PRAGMA integrity_check: %q, %v", verdict, err)
	}
}
