package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

// eventPayload is the shape of roster.Event.Payload.
type eventPayload struct {
	Resource map[string]any `json:"resource"`
	Previous map[string]any `json:"previous"`
	Members  []string       `json:"members"`
}

func testEvents(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	u := mustUser(t, s, tn.ID, userSpec{userName: "alice", title: "Engineer"})
	v := mustUser(t, s, tn.ID, userSpec{userName: "bob"})
	mustUser(t, s, other.ID, userSpec{userName: "zed"})

	u.Active = false
	u.Doc["active"] = false
	u.Doc["title"] = "Manager"
	if err := s.ReplaceUser(ctx, tn.ID, u, 0); err != nil {
		t.Fatal(err)
	}
	u.Active = true
	u.Doc["active"] = true
	if err := s.ReplaceUser(ctx, tn.ID, u, 0); err != nil {
		t.Fatal(err)
	}
	u.DisplayName = "Alice"
	u.Doc["displayName"] = "Alice"
	if err := s.ReplaceUser(ctx, tn.ID, u, 0); err != nil {
		t.Fatal(err)
	}
	g := mustGroup(t, s, tn.ID, "Team", u.ID)
	err := s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: g.ID}, false, []roster.MemberChange{
		{Op: roster.MembersAdd, IDs: []string{u.ID, v.ID}},
		{Op: roster.MembersRemove, IDs: []string{u.ID, "nobody"}},
		{Op: roster.MembersAdd, IDs: []string{v.ID}}, // changes nothing: no event
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	g2 := newGroup("Team B")
	g2.ID = g.ID
	if err := s.UpdateGroup(ctx, tn.ID, g2, true, nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, tn.ID, g.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, tn.ID, u.ID, 0); err != nil {
		t.Fatal(err)
	}
	// A failed write leaves no event.
	wantCode(t, "CreateUser(taken)", s.CreateUser(ctx, tn.ID, newUser(userSpec{userName: "BOB"})), roster.ECONFLICT)

	events, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, After: 0, Limit: 100})
	if err != nil {
		t.Fatalf("Events = %v", err)
	}
	type row struct{ Type, ResourceType, ResourceID string }
	want := []row{
		{roster.UserCreated, "User", u.ID},
		{roster.UserCreated, "User", v.ID},
		{roster.UserDeactivated, "User", u.ID},
		{roster.UserReactivated, "User", u.ID},
		{roster.UserUpdated, "User", u.ID},
		{roster.GroupCreated, "Group", g.ID},
		{roster.GroupMembersAdded, "Group", g.ID},
		{roster.GroupMembersRemoved, "Group", g.ID},
		{roster.GroupUpdated, "Group", g.ID},
		{roster.GroupDeleted, "Group", g.ID},
		{roster.UserDeleted, "User", u.ID},
	}
	var got []row
	payloads := make([]eventPayload, len(events))
	for i, e := range events {
		got = append(got, row{e.Type, e.ResourceType, e.ResourceID})
		if e.TenantID != tn.ID || e.ID == "" || e.Time.IsZero() {
			t.Errorf("event %d = %+v, want tenant %s, an id and a time", i, e, tn.ID)
		}
		if i > 0 && e.Seq <= events[i-1].Seq {
			t.Errorf("event %d Seq %d after %d, want increasing", i, e.Seq, events[i-1].Seq)
		}
		if err := json.Unmarshal(e.Payload, &payloads[i]); err != nil {
			t.Fatalf("event %d payload %s: %v", i, e.Payload, err)
		}
		if id, _ := payloads[i].Resource["id"].(string); id != e.ResourceID {
			t.Errorf("event %d (%s) resource id = %q, want %q", i, e.Type, id, e.ResourceID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Events mismatch (-want +got):\n%s", diff)
	}
	wantPrevious := map[string]any{"active": true, "title": "Engineer"}
	if diff := cmp.Diff(wantPrevious, payloads[2].Previous); diff != "" {
		t.Errorf("user.deactivated previous mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"displayName": nil}, payloads[4].Previous); diff != "" {
		t.Errorf("user.updated previous mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{u.ID}, payloads[5].Members); diff != "" {
		t.Errorf("group.created members mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{v.ID}, payloads[6].Members); diff != "" {
		t.Errorf("group.members_added members mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{u.ID}, payloads[7].Members); diff != "" {
		t.Errorf("group.members_removed members mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"displayName": "Team"}, payloads[8].Previous); diff != "" {
		t.Errorf("group.updated previous mismatch (-want +got):\n%s", diff)
	}

	// Paging through the outbox, and all tenants at once.
	after, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, After: events[8].Seq, Limit: 2})
	if err != nil || len(after) != 2 || after[0].Seq != events[9].Seq {
		t.Errorf("Events(after %d, limit 2) = %v, %v; want events 9 and 10", events[8].Seq, after, err)
	}
	all, err := s.Events(ctx, roster.EventQuery{After: 0, Limit: 100})
	if err != nil || len(all) != len(events)+1 {
		t.Errorf("Events(all tenants) = %d events, %v; want %d", len(all), err, len(events)+1)
	}
	if none, err := s.Events(ctx, roster.EventQuery{TenantID: other.ID, After: all[len(all)-1].Seq, Limit: 10}); err != nil || len(none) != 0 {
		t.Errorf("Events(after the last) = %v, %v; want none", none, err)
	}
}

// testEventsFollowed reads the outbox the way a relay does, from the last seq it
// saw, while writers in several goroutines append to it: the reader must end up
// with every event exactly once. A store whose seq order differs from its
// commit order fails here, as the reader moves past an event not yet visible.
func testEventsFollowed(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tenants := []*roster.Tenant{mustTenant(t, s, "acme"), mustTenant(t, s, "globex")}
	const writers, perWriter = 8, 40
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				u := newUser(userSpec{userName: fmt.Sprintf("w%d-%d", w, i)})
				if err := s.CreateUser(ctx, tenants[w%2].ID, u); err != nil {
					t.Errorf("CreateUser = %v", err)
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	seen := map[string]int{}
	var after int64
	follow := func() {
		for {
			es, err := s.Events(ctx, roster.EventQuery{After: after, Limit: 50})
			if err != nil {
				t.Fatalf("Events(after %d) = %v", after, err)
			}
			for _, e := range es {
				seen[e.ID]++
				after = e.Seq
			}
			if len(es) < 50 {
				return
			}
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	follow()
	if len(seen) != writers*perWriter {
		t.Errorf("the follower saw %d events, want %d: it moved past events committed later with a lower seq", len(seen), writers*perWriter)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s seen %d times", id, n)
		}
	}
}

// testConcurrentWrites starts many creates at once, some of them of the same
// userNames, deletes of users that do not exist and creates of groups with a
// member that does not exist (which fail after writing the group row), so that
// a store sharing transactions between writes has failing writes beside
// succeeding ones. Each caller must get its own outcome: exactly one create per
// userName succeeds and reads back as that caller wrote it, the others fail
// with ECONFLICT on userName, the deletes with ENOTFOUND, the groups with
// EINVALID and leave nothing behind; and the outbox holds one user.created per
// successful create, carrying that create's user, in seq order.
func testConcurrentWrites(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	const n = 200
	name := func(i int) string {
		if i%4 == 0 { // 50 creates over 10 userNames, 5 each, in both cases
			if i%8 == 0 {
				return fmt.Sprintf("DUP%d@example.com", i/4%10)
			}
			return fmt.Sprintf("dup%d@example.com", i/4%10)
		}
		return fmt.Sprintf("user%d@example.com", i)
	}
	users := make([]*roster.User, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		users[i] = newUser(userSpec{userName: name(i), externalID: fmt.Sprint(i)})
		wg.Go(func() {
			<-start
			switch i % 10 {
			case 5:
				errs[i] = s.DeleteUser(ctx, tn.ID, fmt.Sprintf("missing-%d", i), 0)
				return
			case 7:
				errs[i] = s.CreateGroup(ctx, tn.ID, newGroup(fmt.Sprintf("group%d", i), "missing"))
				return
			}
			errs[i] = s.CreateUser(ctx, tn.ID, users[i])
		})
	}
	close(start)
	wg.Wait()

	created := map[string]int{} // id → caller
	winners := map[string]int{} // lower-case userName → successful creates
	for i, err := range errs {
		switch {
		case i%10 == 5:
			if roster.ErrorCode(err) != roster.ENOTFOUND {
				t.Errorf("delete %d = %v, want code %s", i, err, roster.ENOTFOUND)
			}
		case i%10 == 7:
			if roster.ErrorCode(err) != roster.EINVALID {
				t.Errorf("create group %d = %v, want code %s", i, err, roster.EINVALID)
			}
		case err == nil:
			u := users[i]
			if u.ID == "" || u.Version != 1 {
				t.Errorf("create %d: id %q, version %d; want an id and version 1", i, u.ID, u.Version)
			}
			created[u.ID] = i
			winners[strings.ToLower(u.UserName)]++
			got, err := s.User(ctx, tn.ID, u.ID)
			if err != nil || got.UserName != u.UserName || got.ExternalID != fmt.Sprint(i) {
				t.Errorf("User(%s) of create %d = %+v, %v; want userName %q, externalId %d", u.ID, i, got, err, u.UserName, i)
			}
		default:
			var re *roster.Error
			if i%4 != 0 || !errors.As(err, &re) || re.Code != roster.ECONFLICT || re.Attr != "userName" {
				t.Errorf("create %d (%s) = %v, want success, or ECONFLICT on userName for a shared userName", i, name(i), err)
			}
		}
	}
	for i := range n {
		if k := strings.ToLower(name(i)); i%10 != 5 && i%10 != 7 && winners[k] != 1 {
			t.Errorf("userName %s: %d creates succeeded, want 1", k, winners[k])
		}
	}

	if gs, total, err := s.Groups(ctx, tn.ID, roster.Query{}); err != nil || total != 0 {
		t.Errorf("Groups = %d groups, total %d, %v; want none: every group create failed", len(gs), total, err)
	}

	events, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Limit: 2 * n})
	if err != nil {
		t.Fatalf("Events = %v", err)
	}
	if len(events) != len(created) {
		t.Errorf("%d events for %d successful creates", len(events), len(created))
	}
	for j, e := range events {
		if j > 0 && e.Seq <= events[j-1].Seq {
			t.Errorf("event %d seq %d after %d, want increasing", j, e.Seq, events[j-1].Seq)
		}
		i, ok := created[e.ResourceID]
		if e.Type != roster.UserCreated || !ok {
			t.Errorf("event %s of %s: not the event of a successful create", e.Type, e.ResourceID)
			continue
		}
		var p eventPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatalf("event %d payload %s: %v", j, e.Payload, err)
		}
		if p.Resource["userName"] != name(i) || p.Resource["externalId"] != fmt.Sprint(i) {
			t.Errorf("event of create %d carries userName %v, externalId %v; want %s, %d",
				i, p.Resource["userName"], p.Resource["externalId"], name(i), i)
		}
		delete(created, e.ResourceID)
	}
}
