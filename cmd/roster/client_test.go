package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/client"
)

// TestClient follows the events feed with the Go client, stops, and resumes
// from the stored cursor without missing or repeating an event; then reads
// users and groups through it.
func TestClient(t *testing.T) {
	s := startServer(t, sqliteDB(t))
	c := client.New(strings.TrimSuffix(s.base, "/scim/v2"), strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default")))
	oas, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	// Every exchange of the reference client keeps to the OpenAPI document.
	c.HTTP = &http.Client{Transport: oas.Transport(nil)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var ids []string
	for i := range 6 {
		r := s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("u%d@example.com", i))).want(t, 201)
		ids = append(ids, str(r.body, "id"))
	}
	// Handle three events, storing the cursor after each, then stop.
	var cursor string
	var seen []string
	for e, err := range c.Events(ctx, "", client.EventOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, e.ResourceID)
		cursor = e.Cursor
		if len(seen) == 3 {
			break
		}
	}
	// Resume from the stored cursor, following the feed: the rest arrive, then a new one.
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "late@example.com", "late@example.com"))
	}()
	for e, err := range c.Events(ctx, cursor, client.EventOptions{Follow: true, Wait: 5 * time.Second}) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, e.ResourceID)
		if strings.Contains(string(e.Resource), "late@example.com") {
			break
		}
	}
	if len(seen) != 7 || strings.Join(seen[:6], ",") != strings.Join(ids, ",") {
		t.Fatalf("events seen: %v, want the six users in order and the late one", seen)
	}

	// Typed reads.
	u, err := c.User(ctx, "", ids[0])
	if err != nil || u.UserName != "u0@example.com" || len(u.Emails) != 1 || !u.Active {
		t.Fatalf("User = %+v, %v", u, err)
	}
	inactive := false
	n := 0
	for _, err := range c.Users(ctx, "", client.UserFilter{Active: &inactive}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("%d inactive users, want 0", n)
	}
	n = 0
	for u, err := range c.Users(ctx, "", client.UserFilter{Email: "U3@example.com"}) {
		if err != nil || u.ID != ids[3] {
			t.Fatalf("Users(email) = %+v, %v", u, err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("Users(email) found %d users, want 1", n)
	}
	if _, err := c.User(ctx, "", "nope"); !strings.Contains(fmt.Sprint(err), "404") {
		t.Errorf("User(unknown) = %v, want a 404 error", err)
	}
	// A cursor older than the retained events is ErrCursorGone.
	if _, err := s.openStore(t).PruneEvents(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var goneErr error
	for _, err := range c.Events(ctx, "1", client.EventOptions{}) {
		goneErr = err
		break
	}
	if !errors.Is(goneErr, client.ErrCursorGone) {
		t.Errorf("Events(pruned cursor) = %v, want ErrCursorGone", goneErr)
	}
}
