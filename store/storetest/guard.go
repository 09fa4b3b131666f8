package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testHeldPage: a tenant's held operations are read a page at a time, oldest
// first, with their users' names, and counted; a page after an operation
// settled since starts from the oldest again; another tenant sees none.
func testHeldPage(t *testing.T, s roster.Store) {
	ctx := context.Background()
	acme, globex := mustTenant(t, s, "acme"), mustTenant(t, s, "globex")
	guard := roster.DeprovisionGuard{Max: 1, Window: time.Hour}
	for i := range 4 {
		u := mustUser(t, s, acme.ID, userSpec{userName: fmt.Sprintf("u%d@example.com", i)})
		held, err := s.DeleteUserGuarded(ctx, acme.ID, u.ID, 0, false, guard)
		if err != nil || held != (i > 0) {
			t.Fatalf("DeleteUserGuarded(user %d) = %v, %v; want held %v", i, held, err, i > 0)
		}
	}
	names := func(ops []*roster.HeldOperation) string {
		var ns []string
		for _, o := range ops {
			ns = append(ns, o.UserName+" "+o.Kind)
		}
		return strings.Join(ns, ", ")
	}
	page := func(tenantID string, q roster.HeldQuery) []*roster.HeldOperation {
		t.Helper()
		ops, err := s.HeldOperations(ctx, tenantID, q)
		if err != nil {
			t.Fatalf("HeldOperations(%+v) = %v", q, err)
		}
		return ops
	}
	count := func(tenantID string) int {
		t.Helper()
		n, err := s.CountHeld(ctx, tenantID)
		if err != nil {
			t.Fatalf("CountHeld = %v", err)
		}
		return n
	}

	first := page(acme.ID, roster.HeldQuery{Limit: 2})
	if got, want := names(first), "u1@example.com delete, u2@example.com delete"; got != want {
		t.Fatalf("first page = %q, want %q", got, want)
	}
	if o := first[0]; o.ID == "" || o.UserID == "" || o.Event != roster.UserDeleted || o.Held.IsZero() {
		t.Errorf("held operation = %+v", o)
	}
	if got, want := names(page(acme.ID, roster.HeldQuery{After: first[1].ID, Limit: 2})), "u3@example.com delete"; got != want {
		t.Errorf("second page = %q, want %q", got, want)
	}
	if got := names(page(acme.ID, roster.HeldQuery{})); strings.Count(got, "delete") != 3 {
		t.Errorf("every held operation = %q, want 3", got)
	}
	if n := count(acme.ID); n != 3 {
		t.Errorf("CountHeld(acme) = %d, want 3", n)
	}

	// Another tenant: nothing held, even after acme's ids.
	if ops := page(globex.ID, roster.HeldQuery{After: first[0].ID, Limit: 10}); len(ops) != 0 {
		t.Errorf("globex's held operations = %q, want none", names(ops))
	}
	if n := count(globex.ID); n != 0 {
		t.Errorf("CountHeld(globex) = %d, want 0", n)
	}

	if _, err := s.ReleaseHeld(ctx, acme.ID, []string{first[0].ID}); err != nil {
		t.Fatalf("ReleaseHeld = %v", err)
	}
	if got, want := names(page(acme.ID, roster.HeldQuery{After: first[0].ID, Limit: 2})), "u2@example.com delete, u3@example.com delete"; got != want {
		t.Errorf("page after a released operation = %q, want %q", got, want)
	}
	if n := count(acme.ID); n != 2 {
		t.Errorf("CountHeld(acme) after a release = %d, want 2", n)
	}
}
