package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLongPollOutlivesWriteTimeout holds a long poll of the events API for
// longer than the listener's write timeout (made short here): the poll ends
// with its page, not with an empty reply, because its write deadline runs
// from the end of its wait.
func TestLongPollOutlivesWriteTimeout(t *testing.T) {
	forEachStore(t, testLongPollOutlivesWriteTimeout)
}

func testLongPollOutlivesWriteTimeout(t *testing.T, db string) {
	s := startServerWith(t, db, "--write-timeout", "300ms")
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "app"))
	r := s.app(t, key, "/events?wait=2").want(t, 200)
	if data, ok := r.body["data"].([]any); !ok || len(data) != 0 {
		t.Errorf("an idle long poll = %s, want an empty page", r.raw)
	}
}

// TestLongPollCap holds as many long polls as one API key may, and sees the
// next refused with 429 and Retry-After, while another key still waits; a
// write answers the polls, and the key may poll again.
func TestLongPollCap(t *testing.T) { forEachStore(t, testLongPollCap) }

func testLongPollCap(t *testing.T, db string) {
	s := startServer(t, db)
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "app"))
	other := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "other"))
	// Five polls of one key: four wait, the fifth is refused at once.
	const held = 4
	polls := make(chan *http.Response, held+1)
	for range held + 1 {
		go func() { polls <- appRaw(t, s, key, "/events?wait=60") }()
	}
	refused := <-polls
	refused.Body.Close()
	if refused.StatusCode != http.StatusTooManyRequests || refused.Header.Get("Retry-After") == "" {
		t.Fatalf("the fifth long poll = %d, Retry-After %q; want 429 with Retry-After", refused.StatusCode, refused.Header.Get("Retry-After"))
	}
	// Another key is not held back by this one's polls.
	otherDone := make(chan appResponse, 1)
	go func() { otherDone <- s.app(t, other, "/events?wait=60") }()

	s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "ada@example.com", "ada@example.com")).want(t, 201)
	for range held {
		res := <-polls
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(raw), `"type":"user.created"`) {
			t.Errorf("a held poll answered %d %s", res.StatusCode, raw)
		}
	}
	if got := eventTypes((<-otherDone).want(t, 200)); strings.Join(got, " ") != "user.created" {
		t.Errorf("the other key's poll answered %v", got)
	}
	// The polls ended: the key may wait again.
	s.app(t, key, "/events?wait=1").want(t, 200)
}

// appRaw sends a GET to the app API with an API key and checks the exchange
// against the API's OpenAPI document; a failure to send is a 599 response
// with the error as its body.
func appRaw(t *testing.T, s *testServer, key, path string) *http.Response {
	req, err := http.NewRequest("GET", s.root()+"/api/v1"+path, nil)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+key)
		var res *http.Response
		if res, err = http.DefaultClient.Do(req); err == nil {
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			checkContract(t, req, res, raw)
			res.Body = io.NopCloser(bytes.NewReader(raw))
			return res
		}
	}
	return &http.Response{StatusCode: 599, Body: io.NopCloser(strings.NewReader(err.Error())), Header: http.Header{}}
}
