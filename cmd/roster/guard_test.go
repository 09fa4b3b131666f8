package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster/policy"
)

// TestDeprovisionGuard deletes 20 users in a burst under a guard of 5 per
// hour: SCIM answers every DELETE as usual and the users are gone for it; the
// first 5 take effect, the other 15 are held with access removed (inactive
// in the app API) and their user.deleted events wait while the app's feed
// shows one provisioning.held; each held request's log row says so. roster
// held release lets the 15 events go in their order. A fresh burst (deletes
// and a deactivation) is held at once and roster held revert restores the
// users with their groups, active, and tells the app user.restored.
func TestDeprovisionGuard(t *testing.T) { forEachStore(t, testDeprovisionGuard) }

func testDeprovisionGuard(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	s.setPolicy(t, `{"format":1,"deprovisionGuard":{"max":5,"window":"1h"}}`)
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	newUsers := func(prefix string, n int) []string {
		ids := make([]string, n)
		members := make([]string, n)
		for i := range ids {
			ids[i] = str(s.do(t, "POST", "/Users", plainUser(fmt.Sprintf("%s%02d@contoso.com", prefix, i))).want(t, 201).body, "id")
			members[i] = `{"value":"` + ids[i] + `"}`
		}
		s.do(t, "POST", "/Groups", `{"displayName":"`+prefix+`","members":[`+strings.Join(members, ",")+`]}`).want(t, 201)
		return ids
	}
	ids := newUsers("burst", 20)
	for _, id := range ids {
		s.do(t, "DELETE", "/Users/"+id, "").want(t, 204)
	}
	for i, id := range ids {
		s.do(t, "GET", "/Users/"+id, "").want(t, 404)
		if a := s.app(t, key, "/users/"+id).want(t, 200); get(a.body, "app", "active") != false {
			t.Errorf("user %d after its DELETE: the app API says %s, want inactive", i, a.raw)
		}
	}
	deleted := func() []string {
		var got []string
		d, _ := get(s.app(t, key, "/events?types=user.deleted&limit=100").want(t, 200).body, "data").([]any)
		for _, e := range d {
			got = append(got, str(e, "resource_id"))
		}
		return got
	}
	if got := deleted(); strings.Join(got, " ") != strings.Join(ids[:5], " ") {
		t.Errorf("user.deleted events before the release = %v, want the first 5: %v", got, ids[:5])
	}
	a := s.app(t, key, "/events?types=provisioning.held").want(t, 200)
	if d, _ := get(a.body, "data").([]any); len(d) != 1 || get(d[0], "resource", "limit") != float64(5) || get(d[0], "resource", "held") != float64(1) {
		t.Errorf("provisioning.held events: %s", a.raw)
	}
	list := s.cli(t, "held", "list", "--tenant", "default")
	if n := strings.Count(list, " delete "); n != 15 || !strings.Contains(list, "burst05@contoso.com") || strings.Contains(list, "burst04@contoso.com") {
		t.Errorf("roster held list shows %d deletes, want burst05 to burst19:\n%s", n, list)
	}
	if rows := s.logRows(t, 15, "--tenant", "default", "--reason", "deprovision_held"); len(rows) != 15 {
		t.Errorf("log rows with reason deprovision_held: %d, want 15", len(rows))
	}

	if out := s.cli(t, "held", "release", "--tenant", "default", "--all"); !strings.Contains(out, "released 15") {
		t.Errorf("roster held release said %q", out)
	}
	if got := deleted(); strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Errorf("user.deleted events after the release = %v, want all 20 in order: %v", got, ids)
	}
	if list := s.cli(t, "held", "list", "--tenant", "default"); strings.Contains(list, "delete") {
		t.Errorf("held operations after the release:\n%s", list)
	}

	// A fresh burst within the hour: the window is full, every removal is held.
	more := newUsers("again", 4)
	for _, id := range more[:3] {
		s.do(t, "DELETE", "/Users/"+id, "").want(t, 204)
	}
	r := s.do(t, "PATCH", "/Users/"+more[3], patchMsg+`{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	if get(r.body, "active") != false {
		t.Errorf("PATCH active False under the guard: %s", r.raw)
	}
	if a := s.app(t, key, "/users/"+more[3]).want(t, 200); get(a.body, "app", "active") != false {
		t.Errorf("held deactivation: the app API says %s, want inactive", a.raw)
	}
	a = s.app(t, key, "/events?types=user.deactivated,provisioning.held").want(t, 200)
	if d, _ := get(a.body, "data").([]any); len(d) != 2 || str(d[1], "type") != "provisioning.held" {
		t.Errorf("events of the fresh burst: %s; want one more provisioning.held and no user.deactivated", a.raw)
	}
	if out := s.cli(t, "held", "revert", "--tenant", "default", "--all"); !strings.Contains(out, "reverted 4") {
		t.Errorf("roster held revert said %q", out)
	}
	for _, id := range more {
		u := s.do(t, "GET", "/Users/"+id, "").want(t, 200)
		if get(u.body, "active") == false || get(u.body, policy.URN, "active") != true || str(u.body, "groups", 0, "display") != "again" {
			t.Errorf("reverted user: %s, want active, in group again", u.raw)
		}
		if a := s.app(t, key, "/users/"+id).want(t, 200); get(a.body, "app", "active") != true {
			t.Errorf("reverted user in the app API: %s", a.raw)
		}
	}
	a = s.app(t, key, "/events?types=user.restored,user.deactivated&limit=100").want(t, 200)
	if d, _ := get(a.body, "data").([]any); len(d) != 4 || str(d[0], "type") != "user.restored" {
		t.Errorf("events after the revert: %s; want 4 user.restored", a.raw)
	}
	if got := deleted(); len(got) != 20 {
		t.Errorf("user.deleted events after the revert: %d, want still 20", len(got))
	}
	if d := s.auditActions(t); !strings.Contains(d, "held.release") || !strings.Contains(d, "held.revert") {
		t.Errorf("audit trail lacks held.release or held.revert:\n%s", d)
	}
}

// TestDeprovisionGuardPercent checks a guard given in percent of the tenant's
// users: 10% of the tenant's 30 users (those live and those deleted in the
// window) lets 3 deletes of 10 take effect and holds 7.
func TestDeprovisionGuardPercent(t *testing.T) { forEachStore(t, testDeprovisionGuardPercent) }

func testDeprovisionGuardPercent(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	s.setPolicy(t, `{"format":1,"deprovisionGuard":{"percent":10,"window":"1h"}}`)
	ids := make([]string, 30)
	for i := range ids {
		ids[i] = str(s.do(t, "POST", "/Users", plainUser(fmt.Sprintf("pct%02d@contoso.com", i))).want(t, 201).body, "id")
	}
	for _, id := range ids[:10] {
		s.do(t, "DELETE", "/Users/"+id, "").want(t, 204)
	}
	list := s.cli(t, "held", "list", "--tenant", "default")
	if n := strings.Count(list, " delete "); n != 7 || !strings.Contains(list, "pct03@contoso.com") || strings.Contains(list, "pct02@contoso.com") {
		t.Errorf("roster held list shows %d deletes, want pct03 to pct09:\n%s", n, list)
	}
}
