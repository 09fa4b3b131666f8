package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// TestSetupHeld: a setup link of the held scope sees a banner with the count
// on the status page while anything is held, and the held changes page, 50
// a page, oldest first; it releases or reverts one, or every one once the
// box is ticked, each audited with the link as the actor, as the console's
// held operations page does.
func TestSetupHeld(t *testing.T) { forEachStore(t, testSetupHeld) }

func testSetupHeld(t *testing.T, db store) {
	ctx := context.Background()
	f := newFixture(t, db)
	p := admin.SetupPath
	held := p + "/held"
	c, linkID := f.customerOf(t, "acme", roster.SetupScopeSCIM, roster.SetupScopeHeld)

	// The fixture holds one delete: the status page says so and links here.
	a := c.get(p+"/status?idp=okta").want(t, http.StatusOK)
	if got := a.testid("held-banner-count"); got != "1 change" || a.link("held-link") != held+"?idp=okta" {
		t.Errorf("status page's banner: %q linking %q; want 1 change, linking %s?idp=okta", got, a.link("held-link"), held)
	}
	if home := c.get(p+"/").want(t, http.StatusOK); home.link("held-page") != held+"?idp=entra" || !strings.Contains(home.body, `href="/setup/held?idp=entra">Held changes</a>`) {
		t.Errorf("the home page does not link to the held changes: %q", home.link("held-page"))
	}
	a = c.get(held).want(t, http.StatusOK)
	if a.testid("held-count") != "1 change" || a.testid("held-kind") != roster.HeldDelete ||
		a.testid("held-user") != "held@acme.example" || a.testid("held-id") != f.params["held"] {
		t.Errorf("held page: count %q, kind %q, user %q, id %q", a.testid("held-count"), a.testid("held-kind"), a.testid("held-user"), a.testid("held-id"))
	}
	if strings.Contains(a.body, p+"/status/log") {
		t.Error("the held page links to the log without the log scope")
	}
	ops, err := db.HeldOperations(ctx, f.tenant.ID, roster.HeldQuery{})
	if err != nil || len(ops) != 1 {
		t.Fatalf("held: %v, %v", ops, err)
	}
	every := f.customer(t)
	timeline := every.get(held).want(t, http.StatusOK).link("held-user")
	if timeline != p+"/status/log?idp=entra&user="+ops[0].UserID {
		t.Errorf("with the log scope, the held user links to %q, want its timeline", timeline)
	}
	every.get(timeline).want(t, http.StatusOK)
	if !strings.Contains(a.body, "fix the scoping in your identity provider too") {
		t.Error("the held page does not say that reverting needs the IdP's scoping fixed")
	}

	// 50 more held deletes: 51 in all, on two pages.
	guard := roster.DeprovisionGuard{Max: 1, Window: time.Hour}
	for i := range 50 {
		u := fixtureUser(fmt.Sprintf("burst%02d@acme.example", i), fmt.Sprintf("x-burst%02d", i))
		if err := db.CreateUser(ctx, f.tenant.ID, u); err != nil {
			t.Fatal(err)
		}
		if held, err := db.DeleteUserGuarded(ctx, f.tenant.ID, u.ID, 0, false, guard); err != nil || !held {
			t.Fatalf("DeleteUserGuarded = %v, %v; want held", held, err)
		}
	}
	first := c.get(held+"?idp=okta").want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="held-row"`); n != pageSize || first.testid("held-count") != "51 changes" {
		t.Fatalf("first page: %d rows of %s, want %d of 51", n, first.testid("held-count"), pageSize)
	}
	next := first.link("next-page")
	if !strings.Contains(next, "idp=okta") {
		t.Errorf("the next page %q loses the IdP", next)
	}
	second := c.get(next).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="held-row"`); n != 1 || second.testid("held-user") != "burst49@acme.example" {
		t.Errorf("second page: %d rows, the first %q; want burst49@acme.example alone", n, second.testid("held-user"))
	}

	// One released, one reverted, by their rows' buttons.
	a = c.setupPost(held+"/"+f.params["held"]+"/release?idp=okta", nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != held+"?idp=okta&released=1" {
		t.Fatalf("release: %d %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	if got := c.get(a.header.Get("Location")).want(t, http.StatusOK).testid("flash"); !strings.HasPrefix(got, "1 held operation released") {
		t.Errorf("flash after the release: %q", got)
	}
	ops, err = db.HeldOperations(ctx, f.tenant.ID, roster.HeldQuery{Limit: 1})
	if err != nil || len(ops) != 1 || ops[0].UserName != "burst00@acme.example" {
		t.Fatalf("held after the release: %v, %v; want burst00 first", ops, err)
	}
	c.setupPost(held+"/"+ops[0].ID+"/revert", nil).want(t, http.StatusSeeOther)
	if u, err := db.User(ctx, f.tenant.ID, ops[0].UserID); err != nil || !u.Active {
		t.Errorf("reverted user: %v, %v; want it live and active", u, err)
	}
	c.setupPost(held+"/"+ops[0].ID+"/revert", nil).want(t, http.StatusNotFound)

	// Every one: refused until the box is ticked, and without the form token.
	for _, action := range []string{"release", "revert"} {
		a := c.setupPost(held+"/"+action, url.Values{"confirm": {"yes"}}).want(t, http.StatusUnprocessableEntity)
		if !strings.Contains(a.testid("held-error"), "Tick the box") {
			t.Errorf("%s all without the box: %q", action, a.testid("held-error"))
		}
		c.postForm(held+"/"+action, url.Values{"confirm": {action + "-all"}}).want(t, http.StatusForbidden)
	}
	if n, _ := db.CountHeld(ctx, f.tenant.ID); n != 49 {
		t.Fatalf("held after refused forms: %d, want 49", n)
	}
	a = c.setupPost(held+"/revert", url.Values{"confirm": {confirmRevert}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != held+"?idp=entra&reverted=49" {
		t.Fatalf("revert all: %d %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	if n, _ := db.CountHeld(ctx, f.tenant.ID); n != 0 {
		t.Errorf("held after revert all: %d", n)
	}
	if a := c.get(p+"/status").want(t, http.StatusOK); strings.Contains(a.body, `data-testid="held-banner"`) {
		t.Errorf("the status page shows a banner with nothing held")
	}
	if a := c.get(held).want(t, http.StatusOK); a.testid("held-count") != "0 changes" || strings.Contains(a.body, `data-testid="held-release-all"`) {
		t.Errorf("held page after revert all: %q", a.testid("held-count"))
	}

	// Two more held, released at once.
	for _, name := range []string{"late1@acme.example", "late2@acme.example"} {
		u := fixtureUser(name, "x-"+name)
		if err := db.CreateUser(ctx, f.tenant.ID, u); err != nil {
			t.Fatal(err)
		}
		if held, err := db.DeleteUserGuarded(ctx, f.tenant.ID, u.ID, 0, false, guard); err != nil || !held {
			t.Fatalf("DeleteUserGuarded = %v, %v; want held", held, err)
		}
	}
	a = c.setupPost(held+"/release", url.Values{"confirm": {confirmRelease}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != held+"?idp=entra&released=2" {
		t.Fatalf("release all: %d %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	if _, err := db.RetiredUser(ctx, f.tenant.ID, "late2@acme.example"); err != nil {
		t.Errorf("a released delete's user: %v, want it deleted", err)
	}

	entries, err := db.Audit(ctx, roster.AuditQuery{Tenant: "acme", Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Actor)
	}
	actor := "setup-link:" + linkID
	want := strings.Join([]string{"held.release " + actor, "held.revert " + actor, "held.revert " + actor, "held.release " + actor}, ", ")
	if got := strings.Join(actions, ", "); got != want {
		t.Errorf("audit trail: %s\nwant %s", got, want)
	}
}

// TestSetupHeldRefused: a setup link without the held scope is refused the
// held changes page and its forms with 403, and is shown no banner nor link
// to it; a link of another tenant, with the scope, sees none of acme's held
// operations and neither releases nor reverts one by its id (404).
func TestSetupHeldRefused(t *testing.T) { forEachStore(t, testSetupHeldRefused) }

func testSetupHeldRefused(t *testing.T, db store) {
	ctx := context.Background()
	f := newFixture(t, db)
	p := admin.SetupPath
	held := p + "/held"
	id := f.params["held"]

	scoped := f.customer(t, roster.DefaultSetupScopes...)
	if a := scoped.get(held); a.status != http.StatusForbidden {
		t.Errorf("GET %s without the held scope: %d, want 403", held, a.status)
	}
	for path, form := range map[string]url.Values{
		"/" + id + "/release": nil,
		"/" + id + "/revert":  nil,
		"/release":            {"confirm": {confirmRelease}},
		"/revert":             {"confirm": {confirmRevert}},
	} {
		if a := scoped.setupPost(held+path, form); a.status != http.StatusForbidden {
			t.Errorf("POST %s%s without the held scope: %d, want 403", held, path, a.status)
		}
	}
	for _, path := range []string{"/", "/status"} {
		a := scoped.get(p+path).want(t, http.StatusOK)
		if strings.Contains(a.body, held) || strings.Contains(a.body, `data-testid="held-banner"`) {
			t.Errorf("GET %s without the held scope shows the held changes", path)
		}
	}

	if _, err := f.svc.CreateTenant(cliCtx, "globex", "Globex"); err != nil {
		t.Fatal(err)
	}
	globex, _ := f.customerOf(t, "globex", roster.SetupScopeHeld)
	a := globex.get(held).want(t, http.StatusOK)
	if a.testid("held-count") != "0 changes" || strings.Contains(a.body, "held@acme.example") || strings.Contains(a.body, id) {
		t.Errorf("globex's held page shows acme's: %q", a.testid("held-count"))
	}
	if a := globex.get(p + "/status"); strings.Contains(a.body, `data-testid="held-banner"`) {
		t.Error("globex's status page shows acme's held count")
	}
	for _, action := range []string{"release", "revert"} {
		if a := globex.setupPost(held+"/"+id+"/"+action, nil); a.status != http.StatusNotFound {
			t.Errorf("globex's %s of acme's held operation: %d, want 404", action, a.status)
		}
	}
	globex.setupPost(held+"/release", url.Values{"confirm": {confirmRelease}}).want(t, http.StatusSeeOther)
	if ops, err := db.HeldOperations(ctx, f.tenant.ID, roster.HeldQuery{}); err != nil || len(ops) != 1 || ops[0].ID != id {
		t.Errorf("acme's held operations: %v, %v; want its one still held", ops, err)
	}
	entries, err := db.Audit(ctx, roster.AuditQuery{Tenant: "acme", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "held.") {
			t.Errorf("audit row %s by %s: nothing of acme's was settled", e.Action, e.Actor)
		}
	}
}

// TestSetupLinkHeldScope: an operator gives a setup link the held scope by
// ticking it on the tenant's Connection page.
func TestSetupLinkHeldScope(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	ada := f.signIn(t, adminEmail)
	ada.post(Prefix+"/tenants/acme/setup-links", url.Values{"scope": {"held", "log"}, "days": {"1"}}).want(t, http.StatusOK)
	_, links, err := f.svc.SetupLinks(cliCtx, "acme")
	if err != nil || len(links) != 2 || strings.Join(links[0].Scopes, ",") != "log,held" {
		t.Fatalf("links %v, %v; want the newest of log,held", links, err)
	}
	if got := ada.get(Prefix + "/tenants/acme").testid("setup-link-scopes"); got != "log, held" {
		t.Errorf("the new link's row: %q", got)
	}
}
