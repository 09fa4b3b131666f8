package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/internal/browsertest"
)

// TestConsoleHeld runs the console's held operations page in chromium against
// "roster serve" on both stores: under a guard of one removal an hour, three
// of four SCIM deletes are held; the tenant's page says so and links to them;
// a viewer sees them without a button; an admin releases the oldest (the app
// is told user.deleted) and reverts the rest once the box is ticked (the
// users are back for SCIM and the app).
func TestConsoleHeld(t *testing.T) { forEachStore(t, testConsoleHeld) }

func testConsoleHeld(t *testing.T, db string) {
	browsertest.Chromium(t)
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	const password = "correct horse battery"
	withStdin(t, password+"\n", func() { s.cli(t, "operator", "create", "--email", "ada@example.com", "--role", "admin") })
	withStdin(t, password+"\n", func() { s.cli(t, "operator", "create", "--email", "vic@example.com", "--role", "viewer") })
	s.setPolicy(t, `{"format":1,"deprovisionGuard":{"max":1,"window":"1h"}}`)
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = str(s.do(t, "POST", "/Users", plainUser(fmt.Sprintf("leaver%d@contoso.com", i))).want(t, http.StatusCreated).body, "id")
	}
	for _, id := range ids {
		s.do(t, "DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
	}
	deleted := func() []string {
		var got []string
		d, _ := get(s.app(t, key, "/events?types=user.deleted").want(t, http.StatusOK).body, "data").([]any)
		for _, e := range d {
			got = append(got, str(e, "resource_id"))
		}
		return got
	}
	if got := deleted(); len(got) != 1 {
		t.Fatalf("user.deleted events before any release: %v, want the first delete's alone", got)
	}

	v := openConsole(t, s, "vic@example.com", password)
	browsertest.Do(t, v.ctx, "open the held operations as a viewer",
		chromedp.Navigate(v.base+"/console/tenants/default/held"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="held-count"]`)))
	rows := browsertest.Run(t, v.ctx, "count rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="held-row"]').length`))
	forms := browsertest.Run(t, v.ctx, "count forms", chromedp.Evaluate[int](`document.querySelectorAll("main form").length`))
	if rows != 3 || forms != 0 {
		t.Errorf("a viewer's held page: %d rows and %d forms, want 3 and none", rows, forms)
	}

	c := openConsole(t, s, "ada@example.com", password)
	browsertest.Do(t, c.ctx, "follow the tenant page's banner",
		chromedp.Navigate(c.base+"/console/tenants/default"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="held-banner"]`)))
	if got := c.text("held-banner-count"); got != "3 operations" {
		t.Errorf("the banner counts %q, want 3 operations", got)
	}
	browsertest.Do(t, c.ctx, "open the held operations",
		chromedp.Click(chromedp.CSS(`[data-testid="held-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="held-row"]`)))
	if got := c.text("held-user"); got != "leaver1@contoso.com" {
		t.Errorf("the oldest held operation's user %q, want leaver1@contoso.com", got)
	}
	browsertest.Do(t, c.ctx, "release the oldest",
		chromedp.Click(chromedp.CSS(`[data-testid="held-release"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)))
	if got := c.text("held-count"); got != "2 operations" {
		t.Errorf("after the release the page counts %q, want 2 operations", got)
	}
	if got := deleted(); strings.Join(got, " ") != ids[0]+" "+ids[1] {
		t.Errorf("user.deleted events after the release: %v, want %v", got, ids[:2])
	}
	browsertest.Do(t, c.ctx, "revert the rest",
		chromedp.Click(chromedp.ID("confirm-revert")),
		chromedp.Click(chromedp.CSS(`[data-testid="held-revert-all"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="held-none"]`)))
	if got := c.text("flash"); !strings.HasPrefix(got, "2 held operations reverted") {
		t.Errorf("the flash after revert all says %q", got)
	}
	if got := c.text("held-count"); got != "0 operations" {
		t.Errorf("after revert all the page counts %q, want 0 operations", got)
	}
	for _, id := range ids[2:] {
		s.do(t, "GET", "/Users/"+id, "").want(t, http.StatusOK)
		if a := s.app(t, key, "/users/"+id).want(t, http.StatusOK); get(a.body, "app", "active") != true {
			t.Errorf("a reverted user in the app API: %s", a.raw)
		}
	}
	s.do(t, "GET", "/Users/"+ids[1], "").want(t, http.StatusNotFound)
	if got := deleted(); len(got) != 2 {
		t.Errorf("user.deleted events after revert all: %v, want still 2", got)
	}
	if d := s.auditActions(t); !strings.Contains(d, "held.release") || !strings.Contains(d, "held.revert") {
		t.Errorf("audit trail lacks held.release or held.revert:\n%s", d)
	}
}
