package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testRecompute checks the recomputation SetPolicy starts: one owner at a
// time holds it, each batch stores the entitlements that changed with a
// user.updated event and ends the sessions of users it deactivates, and a
// newer policy replaces it.
func testRecompute(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	_, err := s.Recompute(ctx, tn.ID)
	wantCode(t, "Recompute(no policy set)", err, roster.ENOTFOUND)
	var users []*roster.User
	for _, n := range []string{"ada", "bob", "cy"} {
		u := newUser(userSpec{userName: n})
		u.Entitlements = roster.Entitlements{Active: true}
		if err := s.CreateUser(ctx, tn.ID, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	retired := mustUser(t, s, tn.ID, userSpec{userName: "gone"})
	if err := s.RetireUser(ctx, tn.ID, retired.ID, 0); err != nil {
		t.Fatal(err)
	}
	ss := &roster.Session{TenantID: tn.ID, UserID: users[1].ID, Expires: time.Now().Add(time.Hour),
		SignIn: roster.SignIn{Method: roster.LoginMethodIdP, Issuer: "iss", Subject: "sub", AuthTime: time.Now()}}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	events, err := s.Events(ctx, roster.EventQuery{TenantID: tn.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := events[len(events)-1].Seq

	if _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"format":1}`), 0, "cli:ada@host"); err != nil {
		t.Fatal(err)
	}
	r, err := s.Recompute(ctx, tn.ID)
	if err != nil || r.Version != 1 || r.Total != 3 || r.Done != 0 || !r.Finished.IsZero() || r.Started.IsZero() {
		t.Fatalf("Recompute after SetPolicy = %+v, %v; want version 1, 3 users to do", r, err)
	}

	now := time.Now()
	claimOnce(t, s, now.Add(-time.Hour)) // every lease taken at once, an hour ago, has ended
	a, err := s.ClaimRecompute(ctx, "a", now, now.Add(time.Minute))
	if err != nil || a.TenantID != tn.ID || a.Owner != "a" {
		t.Fatalf("ClaimRecompute(a) = %+v, %v", a, err)
	}
	_, err = s.ClaimRecompute(ctx, "b", now, now.Add(time.Minute))
	wantCode(t, "ClaimRecompute(b, while a holds it)", err, roster.ENOTFOUND)
	later := now.Add(2 * time.Minute)
	b, err := s.ClaimRecompute(ctx, "b", later, later.Add(time.Minute))
	if err != nil || b.Owner != "b" {
		t.Fatalf("ClaimRecompute(b, after a's lease) = %+v, %v", b, err)
	}
	// bob loses the app; the others keep what they had.
	entitle := func(doc map[string]any) roster.Entitlements {
		return roster.Entitlements{Active: doc["userName"] != "bob"}
	}
	wantCode(t, "RecomputeBatch(a, taken over)", s.RecomputeBatch(ctx, a, 2, entitle, later), roster.EPRECONDITION)
	if err := s.RecomputeBatch(ctx, b, 2, entitle, later.Add(time.Minute)); err != nil || b.Done != 2 || !b.Finished.IsZero() {
		t.Fatalf("RecomputeBatch(b, 2) = %v, %+v; want 2 done", err, b)
	}
	if err := s.RecomputeBatch(ctx, b, 2, entitle, later.Add(time.Minute)); err != nil || b.Done != 3 || b.Changed != 1 || b.Finished.IsZero() {
		t.Fatalf("RecomputeBatch(b, the rest) = %v, %+v; want 3 done, 1 changed, finished", err, b)
	}
	if r, err := s.Recompute(ctx, tn.ID); err != nil || r.Done != 3 || r.Changed != 1 || r.Finished.IsZero() {
		t.Errorf("Recompute when done = %+v, %v", r, err)
	}
	_, err = s.ClaimRecompute(ctx, "c", later.Add(time.Hour), later.Add(2*time.Hour))
	wantCode(t, "ClaimRecompute(all done)", err, roster.ENOTFOUND)

	bob, err := s.User(ctx, tn.ID, users[1].ID)
	if err != nil || bob.Entitlements.Active || bob.Version != users[1].Version+1 {
		t.Errorf("bob after the recompute = %+v, %v; want inactive in the app, a new version", bob, err)
	}
	if got, err := s.Session(ctx, tn.ID, ss.ID); err != nil || got.Ended.IsZero() {
		t.Errorf("bob's session after the recompute = %+v, %v; want ended", got, err)
	}
	events, err = s.Events(ctx, roster.EventQuery{TenantID: tn.ID, After: seen, Limit: 100})
	if err != nil || len(events) != 1 || events[0].Type != roster.UserUpdated || events[0].ResourceID != bob.ID {
		t.Errorf("events of the recompute = %v, %v; want one user.updated of bob", events, err)
	}

	// A newer policy replaces the recomputation: the old one's owner stops.
	if _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"format":1}`), 0, "cli:ada@host"); err != nil {
		t.Fatal(err)
	}
	c, err := s.ClaimRecompute(ctx, "c", later, later.Add(time.Minute))
	if err != nil || c.Version != 2 || c.Done != 0 {
		t.Fatalf("ClaimRecompute(version 2) = %+v, %v", c, err)
	}
	if _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"format":1}`), 0, "cli:ada@host"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "RecomputeBatch(replaced by version 3)", s.RecomputeBatch(ctx, c, 10, entitle, later), roster.EPRECONDITION)
}

// claimOnce has several servers claim the waiting recomputation at once,
// with leases that end before now: exactly one gets it.
func claimOnce(t *testing.T, s roster.Store, at time.Time) {
	t.Helper()
	var wg sync.WaitGroup
	var got atomic.Int32
	for i := range 8 {
		wg.Go(func() {
			_, err := s.ClaimRecompute(context.Background(), fmt.Sprintf("racer-%d", i), at, at.Add(time.Minute))
			switch roster.ErrorCode(err) {
			case "":
				got.Add(1)
			case roster.ENOTFOUND:
			default:
				t.Errorf("ClaimRecompute(racer-%d) = %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := got.Load(); n != 1 {
		t.Errorf("%d of 8 concurrent claims got the recomputation, want 1", n)
	}
}
