package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// deleteBatch and deleteWorkers shape benchDeleteUsers: one operation is
// 1,000 user deletes sent by 8 goroutines at once, as a server does under
// an IdP's deprovisioning run.
const deleteBatch, deleteWorkers = 1000, 8

// benchDeleteUsers measures 1,000 user deletes at concurrency 8 in a tenant
// of max(groupSize, 1,000) users, all of them members of one group of
// groupSize when groupSize is not 0. Between operations the deleted users
// are restored (untimed), which puts them back in the group, so that every
// operation deletes from a group of the same size. A store whose removal of
// a member costs O(group size) shows it here as a time that grows with
// groupSize.
func benchDeleteUsers(b *testing.B, open Opener, groupSize int) {
	db, tenantID := benchStore(b, open)
	ctx := context.Background()
	ids := seedUsersParallel(b, db, tenantID, max(groupSize, deleteBatch))
	if groupSize > 0 {
		g := &roster.Group{DisplayName: "Everyone", Doc: map[string]any{"displayName": "Everyone"}}
		for _, id := range ids[:groupSize] {
			g.Members = append(g.Members, roster.Member{ID: id})
		}
		if err := db.CreateGroup(ctx, tenantID, g); err != nil {
			b.Fatal(err)
		}
	}
	// The deleted users are spread over the whole tenant (and group).
	victims := make([]string, deleteBatch)
	for i := range victims {
		victims[i] = ids[i*len(ids)/deleteBatch]
	}
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		inParallel(b, len(victims), func(i int) error { return db.DeleteUser(ctx, tenantID, victims[i], 0) })
		elapsed += time.Since(start)
		b.StopTimer()
		inParallel(b, len(victims), func(i int) error { return db.RestoreUser(ctx, tenantID, victims[i]) })
		b.StartTimer()
	}
	b.ReportMetric(float64(elapsed.Microseconds())/float64(b.N*deleteBatch), "µs/delete")
}

// seedUsersParallel creates n users in one tenant from deleteWorkers
// goroutines (a store that shares a commit between concurrent writes seeds
// faster so) and returns their ids.
func seedUsersParallel(b *testing.B, db roster.Store, tenantID string, n int) []string {
	b.Helper()
	ids := make([]string, n)
	inParallel(b, n, func(i int) error {
		u := benchUser(i)
		if err := db.CreateUser(context.Background(), tenantID, u); err != nil {
			return err
		}
		ids[i] = u.ID
		return nil
	})
	return ids
}

// inParallel calls fn(0) to fn(n-1) from deleteWorkers goroutines and fails b
// with the first error.
func inParallel(b *testing.B, n int, fn func(i int) error) {
	b.Helper()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		first atomic.Pointer[error]
	)
	for range deleteWorkers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && first.Load() == nil; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					first.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	if err := first.Load(); err != nil {
		b.Fatal(*err)
	}
}

// benchDeleteGroup measures the SCIM delete of a group of size members,
// which keeps the group and its member ids for its restore, and the restore
// that brings it back with its members; each operation is one of each.
func benchDeleteGroup(b *testing.B, open Opener, size int) {
	db, tenantID := benchStore(b, open)
	ctx := context.Background()
	ids := seedUsersParallel(b, db, tenantID, size)
	g := &roster.Group{DisplayName: "Everyone", Doc: map[string]any{"displayName": "Everyone"}}
	for _, id := range ids {
		g.Members = append(g.Members, roster.Member{ID: id})
	}
	if err := db.CreateGroup(ctx, tenantID, g); err != nil {
		b.Fatal(err)
	}
	var deletes, restores time.Duration
	for b.Loop() {
		start := time.Now()
		if err := db.DeleteGroup(ctx, tenantID, g.ID, 0); err != nil {
			b.Fatal(err)
		}
		deletes += time.Since(start)
		start = time.Now()
		if err := db.RestoreGroup(ctx, tenantID, g.ID); err != nil {
			b.Fatal(err)
		}
		restores += time.Since(start)
	}
	b.ReportMetric(float64(deletes.Microseconds())/float64(b.N)/1000, "ms/delete")
	b.ReportMetric(float64(restores.Microseconds())/float64(b.N)/1000, "ms/restore")
}
