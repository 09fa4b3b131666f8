package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

// testOperators creates, finds, lists, re-hashes and removes operators; an
// email is unique in any case, by a constraint.
func testOperators(t *testing.T, s roster.Store) {
	ctx := context.Background()
	ada := &roster.Operator{Email: "Ada@Example.com", Role: roster.OperatorAdmin, PasswordHash: "$argon2id$a"}
	bob := &roster.Operator{Email: "bob@example.com", Role: roster.OperatorViewer, PasswordHash: "$argon2id$b"}
	for _, o := range []*roster.Operator{ada, bob} {
		if err := s.CreateOperator(ctx, o); err != nil {
			t.Fatalf("CreateOperator(%s) = %v", o.Email, err)
		}
		if o.ID == "" || o.Created.IsZero() {
			t.Fatalf("CreateOperator(%s) left ID %q, Created %v", o.Email, o.ID, o.Created)
		}
	}
	for _, email := range []string{"ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.com"} {
		dup := &roster.Operator{Email: email, Role: roster.OperatorViewer, PasswordHash: "$argon2id$c"}
		wantCode(t, "CreateOperator("+email+")", s.CreateOperator(ctx, dup), roster.ECONFLICT)
	}
	wantCode(t, "CreateOperator(no hash)", s.CreateOperator(ctx, &roster.Operator{Email: "c@example.com", Role: roster.OperatorViewer}), roster.EINVALID)
	if err := s.CreateOperator(ctx, &roster.Operator{Email: "c@example.com", Role: "root", PasswordHash: "h"}); err == nil {
		t.Error("CreateOperator(role root) succeeded; want the role's constraint to refuse it")
	}

	got, err := s.OperatorByEmail(ctx, "ADA@example.COM")
	if err != nil {
		t.Fatalf("OperatorByEmail = %v", err)
	}
	if diff := cmp.Diff(ada, got); diff != "" {
		t.Errorf("OperatorByEmail (-want +got):\n%s", diff)
	}
	if got, err := s.Operator(ctx, bob.ID); err != nil || got.Email != bob.Email {
		t.Errorf("Operator(bob) = %v, %v", got, err)
	}
	_, err = s.OperatorByEmail(ctx, "nobody@example.com")
	wantCode(t, "OperatorByEmail(unknown)", err, roster.ENOTFOUND)
	_, err = s.Operator(ctx, "nope")
	wantCode(t, "Operator(unknown)", err, roster.ENOTFOUND)

	at := time.Date(2026, 12, 7, 4, 30, 0, 0, time.UTC)
	if err := s.SetOperatorSignIn(ctx, bob.ID, at); err != nil {
		t.Fatalf("SetOperatorSignIn = %v", err)
	}
	if err := s.SetOperatorPassword(ctx, bob.ID, "$argon2id$new"); err != nil {
		t.Fatalf("SetOperatorPassword = %v", err)
	}
	wantCode(t, "SetOperatorPassword(unknown)", s.SetOperatorPassword(ctx, "nope", "h"), roster.ENOTFOUND)
	wantCode(t, "SetOperatorSignIn(unknown)", s.SetOperatorSignIn(ctx, "nope", at), roster.ENOTFOUND)
	bob.LastSignIn, bob.PasswordHash = at, "$argon2id$new"
	list, err := s.Operators(ctx)
	if err != nil {
		t.Fatalf("Operators = %v", err)
	}
	if diff := cmp.Diff([]*roster.Operator{ada, bob}, list); diff != "" {
		t.Errorf("Operators (-want +got):\n%s", diff)
	}

	// Ada is the only admin: she stays until another admin exists.
	wantCode(t, "RemoveOperator(last admin)", s.RemoveOperator(ctx, ada.ID), roster.ECONFLICT)
	if err := s.RemoveOperator(ctx, bob.ID); err != nil {
		t.Fatalf("RemoveOperator(viewer) = %v", err)
	}
	wantCode(t, "RemoveOperator(again)", s.RemoveOperator(ctx, bob.ID), roster.ENOTFOUND)
	cy := &roster.Operator{Email: "cy@example.com", Role: roster.OperatorAdmin, PasswordHash: "$argon2id$c"}
	if err := s.CreateOperator(ctx, cy); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveOperator(ctx, ada.ID); err != nil {
		t.Fatalf("RemoveOperator(one of two admins) = %v", err)
	}
	if _, err := s.OperatorByEmail(ctx, "ada@example.com"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("OperatorByEmail(removed) = %v, want ENOTFOUND", err)
	}
}

// testOperatorsConcurrent creates one email 8 times at once, in two cases:
// exactly one create wins. Then two admins remove each other at once: one
// removal wins, so that an admin is always left.
func testOperatorsConcurrent(t *testing.T, s roster.Store) {
	ctx := context.Background()
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			email := "ops@example.com"
			if i%2 == 1 {
				email = "OPS@example.com"
			}
			errs[i] = s.CreateOperator(ctx, &roster.Operator{Email: email, Role: roster.OperatorAdmin, PasswordHash: "$argon2id$x"})
		})
	}
	wg.Wait()
	OneWinner(t, "creates of one email", errs)

	second := &roster.Operator{Email: "second@example.com", Role: roster.OperatorAdmin, PasswordHash: "$argon2id$y"}
	if err := s.CreateOperator(ctx, second); err != nil {
		t.Fatal(err)
	}
	ops, err := s.Operators(ctx)
	if err != nil || len(ops) != 2 {
		t.Fatalf("Operators = %v, %v; want two", ops, err)
	}
	errs = make([]error, len(ops))
	for i, o := range ops {
		wg.Go(func() { errs[i] = s.RemoveOperator(ctx, o.ID) })
	}
	wg.Wait()
	OneWinner(t, "removals of the last two admins", errs)
	if ops, err := s.Operators(ctx); err != nil || len(ops) != 1 {
		t.Errorf("Operators after the removals = %d, %v; want one admin left", len(ops), err)
	}
}
