package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/api"
	"github.com/rosterhq/roster/api/apitest"
)

// appResponse is a decoded app API response.
type appResponse struct {
	status int
	body   map[string]any
	raw    string
}

// contract is the app API's OpenAPI document, loaded once: every exchange of
// the app helpers, and of the Go client in tests, is checked against it.
var contract = sync.OnceValues(func() (*apitest.Contract, error) { return apitest.Load(api.OpenAPI()) })

// checkContract reports an exchange with the app API that breaks its OpenAPI
// document, naming the field or parameter that does.
func checkContract(t testing.TB, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	c, err := contract()
	if err == nil {
		err = c.Check(req, res.StatusCode, res.Header, body)
	}
	if err != nil {
		t.Errorf("app API contract: %v", err)
	}
}

// app sends a GET to the app API with an API key (or any Authorization
// value), and checks the exchange against the API's OpenAPI document.
func (s *testServer) app(t *testing.T, auth, path string) appResponse {
	t.Helper()
	root := strings.TrimSuffix(s.base, "/scim/v2")
	req, err := http.NewRequest("GET", root+"/api/v1"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	checkContract(t, req, res, raw)
	r := appResponse{status: res.StatusCode, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("GET %s: not JSON: %v\n%s", path, err, raw)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return r
}

func (r appResponse) want(t *testing.T, status int) appResponse {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// eventTypes returns the types of a page of events.
func eventTypes(r appResponse) []string {
	var types []string
	data, _ := r.body["data"].([]any)
	for _, e := range data {
		types = append(types, str(e, "type"))
	}
	return types
}

const mailUserBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true,"emails":[{"value":%q,"type":"work","primary":true}]}`

// TestAppAPI reads the events feed and the provisioned people through the app
// API with API keys, the way a host application does.
func TestAppAPI(t *testing.T) { forEachStore(t, testAppAPI) }

func testAppAPI(t *testing.T, db string) {
	s := startServer(t, db)
	global := strings.TrimSpace(s.cli(t, "apikey", "create", "--name", "ops"))
	scoped := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "app"))
	if !strings.HasPrefix(global, "rak_") || strings.Contains(global, "\n") {
		t.Fatalf("apikey create printed %q, want the secret alone", global)
	}

	// Credentials never cross over.
	r := s.app(t, s.token, "/events").want(t, 401)
	if !strings.Contains(str(r.body, "error", "message"), "SCIM token") {
		t.Errorf("a SCIM token on the app API: %s", r.raw)
	}
	s.doAs(t, "Bearer "+global, "GET", "/Users", "").wantError(t, 401, "")
	s.app(t, "", "/events").want(t, 401)

	ada := s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "ada@example.com", "ada@example.com")).want(t, 201)
	adaID := str(ada.body, "id")
	s.do(t, "PATCH", "/Users/"+adaID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	g := s.do(t, "POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","members":[{"value":%q}]}`, adaID)).want(t, 201)
	gid := str(g.body, "id")

	// The feed, paged with the cursor.
	r = s.app(t, scoped, "/events?limit=2").want(t, 200)
	if got := eventTypes(r); strings.Join(got, " ") != "user.created user.deactivated" {
		t.Fatalf("first page: %v\n%s", got, r.raw)
	}
	first := get(r.body, "data", 0)
	if str(first, "resource_id") != adaID || str(first, "resource", "userName") != "ada@example.com" || str(first, "tenant") == "" || str(first, "occurred_at") == "" {
		t.Errorf("user.created event: %s", r.raw)
	}
	if get(r.body, "data", 1, "previous", "active") != true {
		t.Errorf("user.deactivated names no previous active=true: %s", r.raw)
	}
	next := str(r.body, "next_cursor")
	r = s.app(t, scoped, "/events?after="+next).want(t, 200)
	if got := eventTypes(r); strings.Join(got, " ") != "group.created" || get(r.body, "data", 0, "members", 0) != adaID {
		t.Fatalf("second page: %v\n%s", got, r.raw)
	}
	last := str(r.body, "next_cursor")
	if r = s.app(t, scoped, "/events?after="+last).want(t, 200); len(eventTypes(r)) != 0 || str(r.body, "next_cursor") != last {
		t.Errorf("after the last event: %s", r.raw)
	}
	if r = s.app(t, global, "/events?types=user.deactivated,group.created").want(t, 200); strings.Join(eventTypes(r), " ") != "user.deactivated group.created" {
		t.Errorf("types filter: %s", r.raw)
	}
	s.app(t, global, "/events?types=user.exploded").want(t, 400)
	s.app(t, global, "/events?after=x").want(t, 400)

	// A tenant's key sees its tenant only.
	s.cli(t, "tenant", "create", "acme")
	acme := &testServer{base: s.base, db: s.db, token: strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "acme"))}
	acme.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "zed@acme.com", "zed@acme.com")).want(t, 201)
	if r = s.app(t, scoped, "/events?after="+last).want(t, 200); len(eventTypes(r)) != 0 {
		t.Errorf("the default tenant's key sees acme's events: %s", r.raw)
	}
	if r = s.app(t, global, "/events?tenant=acme").want(t, 200); strings.Join(eventTypes(r), " ") != "user.created" {
		t.Errorf("the global key on acme: %s", r.raw)
	}
	s.app(t, scoped, "/events?tenant=acme").want(t, 404)
	s.app(t, scoped, "/users/"+adaID+"?tenant=acme").want(t, 404)

	// A long poll returns as soon as a change is written.
	done := make(chan appResponse, 1)
	go func() { done <- s.app(t, scoped, "/events?wait=20&after="+last) }()
	time.Sleep(100 * time.Millisecond) // let the poll start waiting; the result does not depend on it
	bob := s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "bob@example.com", "bob@example.com")).want(t, 201)
	r = (<-done).want(t, 200)
	if got := eventTypes(r); len(got) != 1 || got[0] != "user.created" || str(r.body, "data", 0, "resource_id") != str(bob.body, "id") {
		t.Errorf("long poll: %s", r.raw)
	}

	// Reads.
	r = s.app(t, scoped, "/users?email=ADA@example.com").want(t, 200)
	if get(r.body, "data", 0, "id") != adaID || get(r.body, "data", 0, "active") != false || get(r.body, "data", 0, "groups", 0, "id") != gid {
		t.Errorf("users by email: %s", r.raw)
	}
	s.app(t, global, "/users").want(t, 400) // a key of every tenant names one
	if r = s.app(t, global, "/users?tenant=default&active=true").want(t, 200); get(r.body, "data", 0, "user_name") != "bob@example.com" || get(r.body, "data", 1) != nil {
		t.Errorf("active users: %s", r.raw)
	}
	seen := map[string]bool{}
	for cursor, pages := "", 0; ; pages++ {
		r = s.app(t, scoped, "/users?limit=1&cursor="+cursor).want(t, 200)
		if id := str(r.body, "data", 0, "id"); id != "" {
			seen[id] = true
		}
		if cursor = str(r.body, "next_cursor"); cursor == "" || pages > 5 {
			break
		}
	}
	if len(seen) != 2 {
		t.Errorf("paging users one at a time saw %d users, want 2", len(seen))
	}
	s.app(t, scoped, "/users?cursor=bm9wZQ").want(t, 400)
	if r = s.app(t, scoped, "/users/"+adaID).want(t, 200); str(r.body, "scim", "userName") != "ada@example.com" {
		t.Errorf("user: %s", r.raw)
	}
	if r = s.app(t, scoped, "/users/"+adaID+"/groups").want(t, 200); str(r.body, "data", 0, "display_name") != "Sales" {
		t.Errorf("user's groups: %s", r.raw)
	}
	if r = s.app(t, scoped, "/groups/"+gid+"/members").want(t, 200); str(r.body, "data", 0, "id") != adaID || str(r.body, "data", 0, "type") != "User" {
		t.Errorf("members: %s", r.raw)
	}
	if r = s.app(t, scoped, "/groups").want(t, 200); str(r.body, "data", 0, "display_name") != "Sales" {
		t.Errorf("groups: %s", r.raw)
	}
	s.app(t, scoped, "/users/nope").want(t, 404)

	// Events older than the retention are pruned; a cursor before them is gone.
	st := s.openStore(t)
	if _, err := st.PruneEvents(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r = s.app(t, scoped, "/events?after=1").want(t, 410); str(r.body, "error", "code") != "gone" {
		t.Errorf("a pruned cursor: %s", r.raw)
	}

	// Revoked keys stop working.
	list := s.cli(t, "apikey", "list")
	if !strings.Contains(list, global[:12]) || strings.Contains(list, global) {
		t.Fatalf("apikey list shows no prefix or shows the secret:\n%s", list)
	}
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, global[:12]) {
			s.cli(t, "apikey", "revoke", strings.Fields(line)[0])
		}
	}
	if r = s.app(t, global, "/events").want(t, 401); !strings.Contains(str(r.body, "error", "message"), "revoked") {
		t.Errorf("revoked key: %s", r.raw)
	}
}

// receiver is a host application's webhook endpoint on 127.0.0.1. It checks
// each delivery's signature and order, fails the first failFirst requests, and
// records the events it acknowledged.
type receiver struct {
	t         *testing.T
	secret    string
	failFirst int

	mu       sync.Mutex
	requests int
	acked    []map[string]any
	ackedIDs map[string]int
	lastSeq  int64 // cursor of the last acknowledged event
	pending  string
	errs     []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if err := verifySignature(rc.secret, r.Header, body); err != nil {
		rc.errs = append(rc.errs, err.Error())
		http.Error(w, err.Error(), 400)
		return
	}
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		rc.errs = append(rc.errs, "body: "+err.Error())
		http.Error(w, "bad body", 400)
		return
	}
	if r.Header.Get("webhook-id") != str(e, "id") {
		rc.errs = append(rc.errs, "webhook-id is not the event id")
	}
	var seq int64
	fmt.Sscan(str(e, "cursor"), &seq)
	// In order: a new event only after the previous one was acknowledged; a
	// failed one is retried before anything else.
	if seq <= rc.lastSeq && rc.ackedIDs[str(e, "id")] == 0 {
		rc.errs = append(rc.errs, fmt.Sprintf("event %d arrived after %d", seq, rc.lastSeq))
	}
	if rc.pending != "" && rc.pending != str(e, "id") {
		rc.errs = append(rc.errs, fmt.Sprintf("event %d sent before the failed %s was acknowledged", seq, rc.pending))
	}
	if rc.requests <= rc.failFirst {
		rc.pending = str(e, "id")
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	rc.pending = ""
	rc.ackedIDs[str(e, "id")]++
	if rc.ackedIDs[str(e, "id")] == 1 {
		rc.acked = append(rc.acked, e)
	}
	rc.lastSeq = max(rc.lastSeq, seq)
	w.WriteHeader(http.StatusNoContent)
}

// waitFor waits until the receiver acknowledged n distinct events.
func (rc *receiver) waitFor(n int) []map[string]any {
	rc.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rc.mu.Lock()
		got := len(rc.acked)
		rc.mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("the receiver acknowledged %d events in 60s, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, e := range rc.errs {
		rc.t.Error("receiver:", e)
	}
	return append([]map[string]any(nil), rc.acked...)
}

// TestWebhooks delivers to a receiver that fails three times first: every
// event arrives signed, once acknowledged, in the order of the events feed.
func TestWebhooks(t *testing.T) { forEachStore(t, testWebhooks) }

func testWebhooks(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_WEBHOOK_MIN_BACKOFF": "50ms"})
	rc := &receiver{t: t, failFirst: 3, ackedIDs: map[string]int{}}
	recv := httptestServer(t, rc)
	out := strings.Split(strings.TrimSpace(s.cli(t, "webhook", "add", "--url", recv+"/hooks/roster", "--tenant", "default")), "\n")
	hookID, secret := out[0], out[len(out)-1]
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("webhook add: last line %q, want the signing secret", secret)
	}
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()

	var ids []string
	for i := range 5 {
		r := s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("u%d@example.com", i))).want(t, 201)
		ids = append(ids, str(r.body, "id"))
	}
	s.do(t, "POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"All","members":[{"value":%q},{"value":%q}]}`, ids[0], ids[1])).want(t, 201)
	s.do(t, "DELETE", "/Users/"+ids[4], "").want(t, 204)

	got := rc.waitFor(7)
	key := strings.TrimSpace(s.cli(t, "apikey", "create"))
	feed := s.app(t, key, "/events?tenant=default").want(t, 200)
	data, _ := feed.body["data"].([]any)
	if len(got) != len(data) {
		t.Fatalf("the receiver got %d events, the feed has %d", len(got), len(data))
	}
	for i := range data {
		if str(got[i], "id") != str(data[i], "id") || str(got[i], "type") != str(data[i], "type") {
			t.Errorf("event %d: received %s %s, feed has %s %s", i, str(got[i], "type"), str(got[i], "id"), str(data[i], "type"), str(data[i], "id"))
		}
	}
	rc.mu.Lock()
	for id, n := range rc.ackedIDs {
		if n != 1 {
			t.Errorf("event %s acknowledged %d times", id, n)
		}
	}
	if rc.requests != len(data)+3 {
		t.Errorf("%d requests for %d events and 3 failures", rc.requests, len(data))
	}
	rc.mu.Unlock()

	dl := s.cli(t, "webhook", "deliveries", hookID, "--limit", "100")
	status := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(dl), "\n")[1:] {
		status[strings.Fields(line)[5]]++
	}
	if status["503"] != 3 || status["204"] != len(data) {
		t.Errorf("deliveries: want 3 failures and %d acknowledgements:\n%s", len(data), dl)
	}
	if list := s.cli(t, "webhook", "list"); !strings.Contains(list, hookID) || !strings.Contains(list, " ok") {
		t.Errorf("webhook list:\n%s", list)
	}
	// A test message, then a replay from the start delivers everything again.
	if out := s.cli(t, "webhook", "test", hookID); !strings.Contains(out, "204") {
		t.Errorf("webhook test: %s", out)
	}
	s.cli(t, "webhook", "replay", hookID, "--from", "0")
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc.mu.Lock()
		again := rc.ackedIDs[str(data[len(data)-1], "id")]
		rc.mu.Unlock()
		if again == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replay did not redeliver the last event")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.cli(t, "webhook", "remove", hookID)
	if list := s.cli(t, "webhook", "list"); strings.Contains(list, hookID) {
		t.Errorf("removed webhook still listed:\n%s", list)
	}
}
