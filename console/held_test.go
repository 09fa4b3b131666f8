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
)

// TestHeldPage: the tenant's page tells when its guard holds operations and
// links to them; the held operations page lists them 50 at a time with their
// users, read-only for a viewer; an admin releases or reverts one, or every
// one once the box is ticked, each audited as the command line's are.
func TestHeldPage(t *testing.T) { forEachStore(t, testHeldPage) }

func testHeldPage(t *testing.T, db store) {
	ctx := context.Background()
	f := newFixture(t, db)
	held := Prefix + "/tenants/acme/held"
	vic, ada := f.signIn(t, viewerEmail), f.signIn(t, adminEmail)

	// The fixture holds one delete: the tenant's page says so to everyone.
	for _, b := range []*browser{vic, ada} {
		a := b.get(Prefix+"/tenants/acme").want(t, http.StatusOK)
		if got := a.testid("held-banner-count"); got != "1 operation" || a.link("held-link") != held {
			t.Errorf("tenant page's banner: %q linking %q; want 1 operation, linking %s", got, a.link("held-link"), held)
		}
	}
	a := vic.get(held).want(t, http.StatusOK)
	if a.testid("held-count") != "1 operation" || a.testid("held-kind") != roster.HeldDelete ||
		a.testid("held-user") != "held@acme.example" || a.testid("held-event") != roster.UserDeleted || a.testid("held-id") != f.params["held"] {
		t.Errorf("held page as a viewer: count %q, kind %q, user %q, event %q, id %q", a.testid("held-count"), a.testid("held-kind"),
			a.testid("held-user"), a.testid("held-event"), a.testid("held-id"))
	}
	if strings.Contains(a.body, "<main") && strings.Count(a.body[strings.Index(a.body, "<main"):], "<form") != 0 {
		t.Errorf("a viewer is shown the held page's forms")
	}
	// The held user's page: deleted, restorable.
	user := vic.get(a.link("held-user")).want(t, http.StatusOK)
	if user.testid("user-retired") != "deleted" {
		t.Errorf("held user's page: %q, want it marked deleted", user.testid("user-retired"))
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
	first := ada.get(held).want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="held-row"`); n != pageSize || first.testid("held-count") != "51 operations" {
		t.Fatalf("first page: %d rows of %s, want %d of 51", n, first.testid("held-count"), pageSize)
	}
	second := ada.get(first.link("next-page")).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="held-row"`); n != 1 || second.testid("held-user") != "burst49@acme.example" {
		t.Errorf("second page: %d rows, the first %q; want burst49@acme.example alone", n, second.testid("held-user"))
	}

	// One released, one reverted, by their rows' buttons.
	a = ada.post(held+"/"+f.params["held"]+"/release", nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != held+"?released=1" {
		t.Fatalf("release: %d %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	if got := ada.get(a.header.Get("Location")).want(t, http.StatusOK).testid("flash"); !strings.HasPrefix(got, "1 held operation released") {
		t.Errorf("flash after the release: %q", got)
	}
	ops, err := db.HeldOperations(ctx, f.tenant.ID, roster.HeldQuery{Limit: 1})
	if err != nil || len(ops) != 1 || ops[0].UserName != "burst00@acme.example" {
		t.Fatalf("held after the release: %v, %v; want burst00 first", ops, err)
	}
	ada.post(held+"/"+ops[0].ID+"/revert", nil).want(t, http.StatusSeeOther)
	if u, err := db.User(ctx, f.tenant.ID, ops[0].UserID); err != nil || !u.Active {
		t.Errorf("reverted user: %v, %v; want it live and active", u, err)
	}
	ada.post(held+"/"+ops[0].ID+"/revert", nil).want(t, http.StatusNotFound)

	// Every one: refused until the box is ticked.
	for _, action := range []string{"release", "revert"} {
		a := ada.post(held+"/"+action, url.Values{"confirm": {"yes"}}).want(t, http.StatusUnprocessableEntity)
		if !strings.Contains(a.testid("held-error"), "Tick the box") {
			t.Errorf("%s all without the box: %q", action, a.testid("held-error"))
		}
	}
	if n, _ := db.CountHeld(ctx, f.tenant.ID); n != 49 {
		t.Fatalf("held after refused forms: %d, want 49", n)
	}
	a = ada.post(held+"/revert", url.Values{"confirm": {confirmRevert}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != held+"?reverted=49" {
		t.Fatalf("revert all: %d %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	if n, _ := db.CountHeld(ctx, f.tenant.ID); n != 0 {
		t.Errorf("held after revert all: %d", n)
	}
	if a := vic.get(Prefix+"/tenants/acme").want(t, http.StatusOK); strings.Contains(a.body, `data-testid="held-banner"`) {
		t.Errorf("the tenant's page shows a banner with nothing held")
	}
	if got := vic.get(held).want(t, http.StatusOK).testid("held-count"); got != "0 operations" {
		t.Errorf("held page after revert all: %q", got)
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
	a = ada.post(held+"/release", url.Values{"confirm": {confirmRelease}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != held+"?released=2" {
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
		actions = append(actions, e.Action+" "+e.Actor[:strings.IndexByte(e.Actor, ':')])
	}
	if got := strings.Join(actions, ", "); got != "held.release operator, held.revert operator, held.revert operator, held.release operator" {
		t.Errorf("audit trail: %s", got)
	}
}
