package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

// testOperatorSessions creates, finds, touches, ends and prunes console
// sessions; removing an operator ends its sessions.
func testOperatorSessions(t *testing.T, s roster.Store) {
	ctx := context.Background()
	ada := &roster.Operator{Email: "ada@example.com", Role: roster.OperatorAdmin, PasswordHash: "$argon2id$a"}
	bob := &roster.Operator{Email: "bob@example.com", Role: roster.OperatorViewer, PasswordHash: "$argon2id$b"}
	for _, o := range []*roster.Operator{ada, bob} {
		if err := s.CreateOperator(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	sessions := []*roster.OperatorSession{
		{ID: "s1", OperatorID: ada.ID, Created: at, LastSeen: at, Source: "127.0.0.1"},
		{ID: "s2", OperatorID: ada.ID, Created: at.Add(-13 * time.Hour), LastSeen: at},
		{ID: "s3", OperatorID: bob.ID, Created: at, LastSeen: at.Add(-time.Hour)},
		{ID: "s4", OperatorID: bob.ID, Created: at, LastSeen: at},
	}
	for _, ss := range sessions {
		if err := s.CreateOperatorSession(ctx, ss); err != nil {
			t.Fatalf("CreateOperatorSession(%s) = %v", ss.ID, err)
		}
	}
	wantCode(t, "CreateOperatorSession(taken)", s.CreateOperatorSession(ctx, sessions[0]), roster.ECONFLICT)
	got, err := s.OperatorSession(ctx, "s1")
	if err != nil {
		t.Fatalf("OperatorSession = %v", err)
	}
	if diff := cmp.Diff(sessions[0], got); diff != "" {
		t.Errorf("OperatorSession (-want +got):\n%s", diff)
	}
	_, err = s.OperatorSession(ctx, "nope")
	wantCode(t, "OperatorSession(unknown)", err, roster.ENOTFOUND)

	later := at.Add(5 * time.Minute)
	if err := s.TouchOperatorSession(ctx, "s1", later); err != nil {
		t.Fatalf("TouchOperatorSession = %v", err)
	}
	if got, _ := s.OperatorSession(ctx, "s1"); !got.LastSeen.Equal(later) {
		t.Errorf("after touch, LastSeen = %v, want %v", got.LastSeen, later)
	}
	wantCode(t, "TouchOperatorSession(unknown)", s.TouchOperatorSession(ctx, "nope", later), roster.ENOTFOUND)

	// Idle 30 minutes, absolute 12 hours: s2 is too old, s3 idle too long.
	n, err := s.PruneOperatorSessions(ctx, at.Add(-30*time.Minute), at.Add(-12*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneOperatorSessions = %d, %v; want 2", n, err)
	}
	for _, id := range []string{"s2", "s3"} {
		_, err := s.OperatorSession(ctx, id)
		wantCode(t, "OperatorSession(pruned "+id+")", err, roster.ENOTFOUND)
	}

	if err := s.EndOperatorSession(ctx, "s1"); err != nil {
		t.Fatalf("EndOperatorSession = %v", err)
	}
	if err := s.EndOperatorSession(ctx, "s1"); err != nil {
		t.Fatalf("EndOperatorSession again = %v", err)
	}
	_, err = s.OperatorSession(ctx, "s1")
	wantCode(t, "OperatorSession(ended)", err, roster.ENOTFOUND)

	if err := s.CreateOperatorSession(ctx, &roster.OperatorSession{ID: "s5", OperatorID: bob.ID, Created: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.EndOperatorSessions(ctx, bob.ID); err != nil || n != 2 {
		t.Fatalf("EndOperatorSessions(bob) = %d, %v; want 2", n, err)
	}
	if err := s.CreateOperatorSession(ctx, &roster.OperatorSession{ID: "s6", OperatorID: bob.ID, Created: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveOperator(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.OperatorSession(ctx, "s6")
	wantCode(t, "OperatorSession(of a removed operator)", err, roster.ENOTFOUND)
}
