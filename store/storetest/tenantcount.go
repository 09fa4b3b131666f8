package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testTenantCounts checks that a tenant's live users and groups, which an
// unfiltered list returns as its total without counting the tenant's rows,
// stay exact through every write that changes them: creates, many at once in
// two tenants, a DELETE kept restorable and a retirement, a restore, a purge
// of one user and of all retired ones, groups created and deleted, a tenant
// deleted; and that the tenants page and a policy's recomputation read the
// same figures.
func testTenantCounts(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "beta")
	wantCounts(t, s, a.ID, 0, 0)

	const n = 24
	users := make([]*roster.User, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			users[i] = newUser(userSpec{userName: fmt.Sprintf("a%02d@example.com", i)})
			errs <- s.CreateUser(ctx, a.ID, users[i])
		})
		wg.Go(func() {
			errs <- s.CreateUser(ctx, b.ID, newUser(userSpec{userName: fmt.Sprintf("b%02d@example.com", i)}))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("CreateUser = %v", err)
		}
	}
	wantCounts(t, s, a.ID, n, 0)
	wantCounts(t, s, b.ID, n, 0)

	// A user taken by a conflict is not counted.
	dup := newUser(userSpec{userName: "a00@example.com"})
	wantCode(t, "CreateUser(taken userName)", s.CreateUser(ctx, a.ID, dup), roster.ECONFLICT)
	wantCounts(t, s, a.ID, n, 0)

	team := mustGroup(t, s, a.ID, "Team", users[0].ID, users[1].ID)
	mustGroup(t, s, a.ID, "Staff", users[2].ID)
	wantCounts(t, s, a.ID, n, 2)

	for _, u := range users[:3] {
		if err := s.DeleteUser(ctx, a.ID, u.ID, 0); err != nil {
			t.Fatalf("DeleteUser = %v", err)
		}
	}
	if err := s.RetireUser(ctx, a.ID, users[3].ID, 0); err != nil {
		t.Fatalf("RetireUser = %v", err)
	}
	wantCode(t, "DeleteUser(retired)", s.DeleteUser(ctx, a.ID, users[0].ID, 0), roster.ENOTFOUND)
	wantCounts(t, s, a.ID, n-4, 2)

	if err := s.RestoreUser(ctx, a.ID, users[0].ID); err != nil {
		t.Fatalf("RestoreUser = %v", err)
	}
	wantCounts(t, s, a.ID, n-3, 2)
	if err := s.PurgeUser(ctx, a.ID, users[1].ID); err != nil {
		t.Fatalf("PurgeUser = %v", err)
	}
	wantCounts(t, s, a.ID, n-3, 2)
	if _, err := s.PurgeRetiredUsers(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("PurgeRetiredUsers = %v", err)
	}
	wantCounts(t, s, a.ID, n-3, 2)

	if err := s.DeleteGroup(ctx, a.ID, team.ID, 0); err != nil {
		t.Fatalf("DeleteGroup = %v", err)
	}
	wantCounts(t, s, a.ID, n-3, 1)
	if err := s.DeleteUser(ctx, a.ID, users[4].ID, 0); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	wantCounts(t, s, a.ID, n-4, 1)

	if _, err := s.SetPolicy(ctx, a.ID, json.RawMessage(`{"format":1}`), 0, "cli:ada@host"); err != nil {
		t.Fatalf("SetPolicy = %v", err)
	}
	if r, err := s.Recompute(ctx, a.ID); err != nil || r.Total != n-4 {
		t.Errorf("Recompute = %+v, %v; want a total of %d", r, err, n-4)
	}

	mustGroup(t, s, b.ID, "Beta")
	if err := s.DeleteTenant(ctx, b.ID); err != nil {
		t.Fatalf("DeleteTenant = %v", err)
	}
	if _, total, err := s.Users(ctx, b.ID, roster.Query{StartIndex: 1}); err != nil || total != 0 {
		t.Errorf("Users(deleted tenant) total = %d, %v; want 0", total, err)
	}
	if st, err := s.TenantStats(ctx, []string{b.ID}, time.Time{}); err != nil || len(st) != 0 {
		t.Errorf("TenantStats(deleted tenant) = %v, %v; want none", st, err)
	}
	wantCounts(t, s, a.ID, n-4, 1)
	again := mustTenant(t, s, "beta")
	mustUser(t, s, again.ID, userSpec{userName: "b00@example.com"})
	wantCounts(t, s, again.ID, 1, 0)
}

// wantCounts checks the tenant's live users and groups as the totals of
// unfiltered lists, of their first item and of none, and as its stats.
func wantCounts(t *testing.T, s roster.Store, tenantID string, users, groups int) {
	t.Helper()
	ctx := context.Background()
	for _, count := range []int{0, 1} {
		q := roster.Query{StartIndex: 1, Count: count}
		if _, total, err := s.Users(ctx, tenantID, q); err != nil || total != users {
			t.Errorf("Users(count %d) total = %d, %v; want %d", count, total, err, users)
		}
		if _, total, err := s.Groups(ctx, tenantID, q); err != nil || total != groups {
			t.Errorf("Groups(count %d) total = %d, %v; want %d", count, total, err, groups)
		}
	}
	st, err := s.TenantStats(ctx, []string{tenantID}, time.Time{})
	if err != nil {
		t.Fatalf("TenantStats = %v", err)
	}
	if got := st[tenantID]; got.Users != int64(users) || got.Groups != int64(groups) {
		t.Errorf("TenantStats users, groups = %d, %d; want %d, %d", got.Users, got.Groups, users, groups)
	}
}
