package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

func openDB(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// follower reads the outbox from the last seq it saw, as the events API's
// clients and the webhook relay do, and keeps what it saw in order.
type follower struct {
	db    *DB
	after int64
	seen  []*roster.Event
}

// follow reads pages of 7 until one is short.
func (f *follower) follow(ctx context.Context) error {
	for {
		es, err := f.db.Events(ctx, roster.EventQuery{After: f.after, Limit: 7})
		if err != nil {
			return err
		}
		for _, e := range es {
			if e.Seq <= f.after {
				return fmt.Errorf("seq %d after %d", e.Seq, f.after)
			}
			f.seen, f.after = append(f.seen, e), e.Seq
		}
		if len(es) < 7 {
			return nil
		}
	}
}

// TestEventsFollowedOnTwoInstances writes from two stores on one database, as
// two Roster instances do, while a follower on each reads the outbox. Some
// writes of the first stay open for a while after inserting their events, so
// that their events commit after later ones: a follower that moved past an
// event committed late would miss it. Each follower must see every event of
// the outbox exactly once, in seq order, and the seqs must have no gap.
func TestEventsFollowedOnTwoInstances(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	dbs := []*DB{openDB(t, url), openDB(t, url)}
	var writes atomic.Int64
	dbs[0].beforeCommit = func() {
		if writes.Add(1)%4 == 0 {
			time.Sleep(30 * time.Millisecond)
		}
	}
	tenants := []*roster.Tenant{{Name: "acme"}, {Name: "globex"}}
	for _, tn := range tenants {
		if err := dbs[1].CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	const writers, perWriter = 6, 30
	var wg sync.WaitGroup
	for w := range writers {
		db, tn := dbs[w%2], tenants[w/2%2]
		wg.Go(func() {
			for i := range perWriter {
				name := fmt.Sprintf("w%d-%d@example.com", w, i)
				u := &roster.User{UserName: name, Active: true, Doc: map[string]any{"userName": name}}
				if err := db.CreateUser(ctx, tn.ID, u); err != nil {
					t.Errorf("CreateUser = %v", err)
					return
				}
				if i%3 == 0 {
					if err := db.DeleteUser(ctx, tn.ID, u.ID, 0); err != nil {
						t.Errorf("DeleteUser = %v", err)
						return
					}
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	followers := []*follower{{db: dbs[0]}, {db: dbs[1]}}
	var readers sync.WaitGroup
	for _, f := range followers {
		readers.Go(func() {
			for {
				if err := f.follow(ctx); err != nil {
					t.Errorf("follow: %v", err)
					return
				}
				select {
				case <-done:
					if err := f.follow(ctx); err != nil {
						t.Errorf("follow: %v", err)
					}
					return
				default:
				}
			}
		})
	}
	readers.Wait()

	all, err := dbs[0].Events(ctx, roster.EventQuery{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if want := writers * (perWriter + perWriter/3); len(all) != want {
		t.Fatalf("the outbox holds %d events, want %d", len(all), want)
	}
	for i, e := range all {
		if e.Seq != all[0].Seq+int64(i) {
			t.Fatalf("event %d has seq %d after %d: a gap", i, e.Seq, all[i-1].Seq)
		}
	}
	for n, f := range followers {
		if len(f.seen) != len(all) {
			t.Errorf("follower %d saw %d events, want the %d of the outbox, each once", n, len(f.seen), len(all))
		}
		for i, e := range f.seen {
			if i < len(all) && (e.Seq != all[i].Seq || e.ID != all[i].ID) {
				t.Errorf("follower %d: event %d is seq %d (%s), want seq %d (%s)", n, i, e.Seq, e.ID, all[i].Seq, all[i].ID)
				break
			}
		}
	}
}

// insertUnnumbered inserts events as an instance leaves them when it stops
// between its commit and its sequencer's run: committed, without a seq.
func insertUnnumbered(t *testing.T, url, tenantID string, ids ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, id := range ids {
		_, err := conn.Exec(ctx, `INSERT INTO events (id, tenant_id, type, resource_type, resource_id, payload, created)
			VALUES ($1, $2, 'user.created', 'User', $1, '{}', now())`, id, tenantID)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestEventsNumberedAfterStop checks that events a stopped instance left
// without a seq are numbered by the next store to open, before Open returns,
// and by a store already open within its poll, each before a later write's
// events.
func TestEventsNumberedAfterStop(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	first := openDB(t, url)
	tn := &roster.Tenant{Name: "acme"}
	if err := first.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	first.Close()
	insertUnnumbered(t, url, tn.ID, "stopped-1", "stopped-2")
	db := openDB(t, url)
	es, err := db.Events(ctx, roster.EventQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].ID != "stopped-1" || es[1].ID != "stopped-2" {
		t.Fatalf("events once a store is open = %v, want stopped-1 and stopped-2 numbered", es)
	}

	insertUnnumbered(t, url, tn.ID, "stopped-3")
	after := es[1].Seq
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if es, err = db.Events(ctx, roster.EventQuery{After: after, Limit: 10}); err != nil || len(es) > 0 {
			break
		}
	}
	if err != nil || len(es) != 1 || es[0].ID != "stopped-3" {
		t.Fatalf("events after seq %d = %v, %v; want stopped-3 numbered by the open store's poll", after, es, err)
	}
	u := &roster.User{UserName: "ada", Active: true, Doc: map[string]any{"userName": "ada"}}
	if err := db.CreateUser(ctx, tn.ID, u); err != nil {
		t.Fatal(err)
	}
	es, err = db.Events(ctx, roster.EventQuery{After: es[0].Seq, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].ResourceID != u.ID {
		t.Fatalf("events after the stopped ones = %v, want ada's user.created", es)
	}
}

// TestSeqOutlivesDeletedTenant deletes the tenant whose events are the
// newest: the next event still takes a seq above theirs, so that a reader
// whose cursor passed them misses nothing.
func TestSeqOutlivesDeletedTenant(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, testdb.Postgres(t))
	acme, globex := &roster.Tenant{Name: "acme"}, &roster.Tenant{Name: "globex"}
	for _, tn := range []*roster.Tenant{acme, globex} {
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	create := func(tn *roster.Tenant, name string) {
		t.Helper()
		if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: name, Active: true, Doc: map[string]any{"userName": name}}); err != nil {
			t.Fatal(err)
		}
	}
	create(acme, "ada")
	create(globex, "bob")
	last, err := db.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTenant(ctx, globex.ID); err != nil {
		t.Fatal(err)
	}
	create(acme, "cy")
	es, err := db.Events(ctx, roster.EventQuery{After: last, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Seq <= last {
		t.Fatalf("events after seq %d = %v, want cy's user.created above it", last, es)
	}
}

// TestSequencerMigration upgrades a database whose events an earlier Roster
// numbered by identity, the newest of them deleted: the old events keep their
// seq, and the first event numbered after the upgrade comes after every seq
// the identity gave, so that a reader's cursor past the deleted ones misses
// nothing. Down and up again keeps every event's seq.
func TestSequencerMigration(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	conns, p := migratedTo(t, url, 26)
	for _, id := range []string{"e1", "e2", "e3"} {
		if _, err := conns.ExecContext(ctx, `INSERT INTO events (id, tenant_id, type, resource_type, resource_id, payload, created)
			VALUES ($1, 't', 'user.created', 'User', $1, '{}', now())`, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conns.ExecContext(ctx, `DELETE FROM events WHERE id = 'e3'`); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, url)
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	u := &roster.User{UserName: "ada", Active: true, Doc: map[string]any{"userName": "ada"}}
	if err := db.CreateUser(ctx, tn.ID, u); err != nil {
		t.Fatal(err)
	}
	seqs := func() string {
		t.Helper()
		es, err := db.Events(ctx, roster.EventQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range es {
			s = append(s, fmt.Sprintf("%s:%d", e.ResourceID, e.Seq))
		}
		return strings.Join(s, " ")
	}
	want := "e1:1 e2:2 " + u.ID + ":4"
	if got := seqs(); got != want {
		t.Errorf("events after the upgrade = %s, want %s", got, want)
	}
	if _, err := p.DownTo(ctx, 26); err != nil {
		t.Fatalf("migrate down to 26: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
	if got := seqs(); got != want {
		t.Errorf("events after down and up = %s, want %s", got, want)
	}
}
