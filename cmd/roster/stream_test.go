package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// bigGroupSize is the number of members of the group a slow client reads: at
// about 450 bytes each, its 9 MB are more than the sockets between server and
// client hold, so the server is still sending when the client stops reading.
const bigGroupSize = 20000

// seedBigGroup stores bigGroupSize users with long display names and a group
// "A big" of them all, and returns the group's id.
func seedBigGroup(t *testing.T, s *testServer) string {
	t.Helper()
	ctx := context.Background()
	st := s.openStore(t)
	tenantID := mustTenantID(t, st)
	display := strings.Repeat("d", 300)
	ids := make([]string, bigGroupSize)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < bigGroupSize; i += 8 {
				name := fmt.Sprintf("big%d@example.com", i)
				u := &roster.User{UserName: name, DisplayName: display, Active: true,
					Doc: map[string]any{"userName": name, "displayName": display}}
				if err := st.CreateUser(ctx, tenantID, u); err != nil {
					errs <- err
					return
				}
				ids[i] = u.ID
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	g := &roster.Group{DisplayName: "A big", Doc: map[string]any{"displayName": "A big"}}
	for _, id := range ids {
		g.Members = append(g.Members, roster.Member{ID: id})
	}
	if err := st.CreateGroup(ctx, tenantID, g); err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// slowGet starts a GET whose client receives through a socket buffer of a few
// KB and reads nothing of the body until resume is called; resume reads the
// rest and returns the decoded body.
func slowGet(t *testing.T, s *testServer, path string) (resume func() map[string]any) {
	t.Helper()
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}
	req, err := newSCIMRequest(s, "GET", path, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: status %d", path, res.StatusCode)
	}
	br := bufio.NewReaderSize(res.Body, 1024)
	if _, err := br.Peek(1024); err != nil {
		t.Fatal(err)
	}
	return func() map[string]any {
		var body map[string]any
		if err := json.NewDecoder(br).Decode(&body); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return body
	}
}

// waitFor polls cond until it holds, failing the test with what after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after 20 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlowGroupReader reads a group of 20,000 members through a client that
// stops reading early: while the server waits for the client, no connection
// of the store's read pool is in use (the members are read a page at a time,
// none open across a write to the network), and the body, once read, holds
// every member.
func TestSlowGroupReader(t *testing.T) { forEachStore(t, testSlowGroupReader) }

func testSlowGroupReader(t *testing.T, db string) {
	s := startServer(t, db)
	id := seedBigGroup(t, s)
	pool := "read"
	if strings.HasPrefix(db, "postgres") {
		pool = "main"
	}
	resume := slowGet(t, s, "/Groups/"+id)
	waitFor(t, "the "+pool+" pool has no connection in use while the client does not read", func() bool {
		n, ok := value(s.scrape(t), "roster_store_pool_connections", "pool", pool, "state", "in_use")
		return ok && n == 0
	})
	body := resume()
	if ms, _ := body["members"].([]any); len(ms) != bigGroupSize {
		t.Fatalf("members: %d, want %d", len(ms), bigGroupSize)
	}
	seen := map[string]bool{}
	last := ""
	for _, m := range body["members"].([]any) {
		v := str(m, "value")
		if v <= last || seen[v] {
			t.Fatalf("member %q after %q: not in id order", v, last)
		}
		seen[v], last = true, v
	}
}

// TestGroupListStreams lists a page of two groups, the first of 20,000
// members, through a client that stops reading early, and adds a member to
// the second group meanwhile: the page shows it, because each group's members
// are read as the page is written, not all before its first byte.
func TestGroupListStreams(t *testing.T) { forEachStore(t, testGroupListStreams) }

func testGroupListStreams(t *testing.T, db string) {
	s := startServer(t, db)
	seedBigGroup(t, s)
	u := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"late@example.com"}`).want(t, 201)
	small := s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"B small"}`).want(t, 201)
	resume := slowGet(t, s, "/Groups?sortBy=displayName&count=10")
	s.do(t, "PATCH", "/Groups/"+str(small.body, "id"), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"add","path":"members","value":[{"value":"`+str(u.body, "id")+`"}]}]}`).want(t, 204)
	body := resume()
	if n := get(body, "totalResults"); n != float64(2) {
		t.Fatalf("totalResults = %v, want 2", n)
	}
	if ms, _ := get(body, "Resources", 0, "members").([]any); len(ms) != bigGroupSize {
		t.Errorf("first group: %d members, want %d", len(ms), bigGroupSize)
	}
	if got := str(body, "Resources", 1, "members", 0, "value"); got != str(u.body, "id") {
		t.Errorf("second group's member = %q, want the one added while the page was sent (%s)", got, str(u.body, "id"))
	}
}

// TestGroupListProjection checks the streamed list against the projections a
// list may ask for: members with a sub-attribute only, members excluded, and
// attributes naming members.
func TestGroupListProjection(t *testing.T) { forEachStore(t, testGroupListProjection) }

func testGroupListProjection(t *testing.T, db string) {
	s := startServer(t, db)
	var members []string
	for i := range 3 {
		r := s.do(t, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p%d@example.com","displayName":"P %d"}`, i, i)).want(t, 201)
		members = append(members, fmt.Sprintf(`{"value":%q}`, str(r.body, "id")))
	}
	s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"All","members":[`+strings.Join(members, ",")+`]}`).want(t, 201)
	s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"None"}`).want(t, 201)
	for _, tc := range []struct {
		query   string
		members int
		member  []string // the keys of a member
		group   []string // the keys of the first group
	}{
		{"", 3, []string{"$ref", "display", "type", "value"}, []string{"displayName", "id", "members", "meta", "schemas"}},
		{"&attributes=members.value", 3, []string{"value"}, []string{"id", "members", "schemas"}},
		{"&attributes=displayName,members", 3, []string{"$ref", "display", "type", "value"}, []string{"displayName", "id", "members", "schemas"}},
		{"&excludedAttributes=members.display", 3, []string{"$ref", "type", "value"}, []string{"displayName", "id", "members", "meta", "schemas"}},
		{"&excludedAttributes=members", 0, nil, []string{"displayName", "id", "meta", "schemas"}},
	} {
		r := s.do(t, "GET", "/Groups?sortBy=displayName"+tc.query, "").want(t, 200)
		first, _ := get(r.body, "Resources", 0).(map[string]any)
		if got := keys(first); strings.Join(got, ",") != strings.Join(tc.group, ",") {
			t.Errorf("%s: group has %v, want %v", tc.query, got, tc.group)
		}
		ms, _ := first["members"].([]any)
		if len(ms) != tc.members {
			t.Errorf("%s: %d members, want %d: %s", tc.query, len(ms), tc.members, r.raw)
			continue
		}
		for _, m := range ms {
			if got := keys(m.(map[string]any)); strings.Join(got, ",") != strings.Join(tc.member, ",") {
				t.Errorf("%s: member has %v, want %v", tc.query, got, tc.member)
			}
		}
		if _, ok := get(r.body, "Resources", 1).(map[string]any)["members"]; ok {
			t.Errorf("%s: the empty group has members: %s", tc.query, r.raw)
		}
	}
}

// keys returns the sorted keys of m.
func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
