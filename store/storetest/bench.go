package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// Opener opens a fresh, empty store that is closed when tb ends.
type Opener func(tb testing.TB) roster.Store

// Bench runs the store benchmarks, the same for every store so that their
// figures compare: create (one writer, and many at once), a replace that
// changes an email (as Entra's PATCH of one does), get by id, the
// userName filter, a batch of 100 member adds to a group of 10,000, Entra's
// membership check, an email filter under "or", 1,000 user deletes at
// concurrency 8 from groups of 0, 10,000 and 40,000 members, and the delete
// and restore of a group of 10,000 members.
func Bench(b *testing.B, open Opener) {
	b.Run("CreateUser", func(b *testing.B) { benchCreateUser(b, open) })
	b.Run("CreateUserParallel", func(b *testing.B) { benchCreateUserParallel(b, open) })
	b.Run("ReplaceUser", func(b *testing.B) { benchReplaceUser(b, open) })
	b.Run("UserByID", func(b *testing.B) { benchUserByID(b, open) })
	b.Run("FilterUserName", func(b *testing.B) { benchFilterUserName(b, open) })
	b.Run("AddMembers", func(b *testing.B) { benchAddMembers(b, open) })
	b.Run("MembershipCheck", func(b *testing.B) { benchMembershipCheck(b, open) })
	b.Run("FilterEmailOr", func(b *testing.B) { benchFilterEmailOr(b, open) })
	for _, size := range []int{0, 10000, 40000} {
		b.Run(fmt.Sprintf("DeleteUsers/group=%d", size), func(b *testing.B) { benchDeleteUsers(b, open, size) })
	}
	b.Run("DeleteGroup/members=10000", func(b *testing.B) { benchDeleteGroup(b, open, 10000) })
}

// benchStore opens a store with one tenant.
func benchStore(b *testing.B, open Opener) (roster.Store, string) {
	b.Helper()
	db := open(b)
	tn := &roster.Tenant{Name: "bench"}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		b.Fatal(err)
	}
	return db, tn.ID
}

func benchUser(i int) *roster.User {
	name := fmt.Sprintf("user%06d@example.com", i)
	return &roster.User{
		UserName: name, ExternalID: fmt.Sprintf("ext-%d", i), DisplayName: fmt.Sprintf("User %d", i), Active: true,
		Emails: []roster.Email{{Value: name, Type: "work", Primary: true}},
		Doc: map[string]any{
			"schemas": []any{filter.UserURN}, "userName": name, "active": true,
			"displayName": fmt.Sprintf("User %d", i), "externalId": fmt.Sprintf("ext-%d", i),
			"emails": []any{map[string]any{"value": name, "type": "work", "primary": true}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Engineering"},
		},
	}
}

// seedUsers creates n users in one tenant and returns their ids.
func seedUsers(b *testing.B, db roster.Store, tenantID string, n int) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range n {
		u := benchUser(i)
		if err := db.CreateUser(context.Background(), tenantID, u); err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
	}
	return ids
}

func benchCreateUser(b *testing.B, open Opener) {
	db, tenantID := benchStore(b, open)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := db.CreateUser(ctx, tenantID, benchUser(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchCreateUserParallel creates users from 4 goroutines per CPU at once, as
// a server does under Entra's load: a store that lets concurrent writes share
// a commit shows it here.
func benchCreateUserParallel(b *testing.B, open Opener) {
	db, tenantID := benchStore(b, open)
	ctx := context.Background()
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.CreateUser(ctx, tenantID, benchUser(int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchReplaceUser replaces users of a tenant of 1,000 one after the other,
// each with a new work email and display name, so that every replace writes
// the user and its emails.
func benchReplaceUser(b *testing.B, open Opener) {
	db, tenantID := benchStore(b, open)
	ids := seedUsers(b, db, tenantID, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n := i % len(ids)
		u := benchUser(n)
		u.ID = ids[n]
		u.DisplayName = fmt.Sprintf("User %d (%d)", n, i)
		u.Emails[0].Value = fmt.Sprintf("updated%d-%d@example.com", n, i)
		u.Doc["displayName"] = u.DisplayName
		u.Doc["emails"] = []any{map[string]any{"value": u.Emails[0].Value, "type": "work", "primary": true}}
		if err := db.ReplaceUser(ctx, tenantID, u, 0); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchUserByID(b *testing.B, open Opener) {
	db, tenantID := benchStore(b, open)
	ids := seedUsers(b, db, tenantID, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := db.User(ctx, tenantID, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchFilterUserName(b *testing.B, open Opener) {
	db, tenantID := benchStore(b, open)
	seedUsers(b, db, tenantID, 1000)
	ctx := context.Background()
	resolve := func(p filter.AttrPath) (filter.Attr, bool) { return filter.Attr{Type: filter.String}, true }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e, err := filter.Parse(fmt.Sprintf(`userName eq "USER%06d@example.com"`, i%1000))
		if err != nil {
			b.Fatal(err)
		}
		us, total, err := db.Users(ctx, tenantID, roster.Query{Filter: e, Resolve: resolve, StartIndex: 1, Count: 100})
		if err != nil || total != 1 || len(us) != 1 {
			b.Fatalf("Users = %d users, total %d, %v", len(us), total, err)
		}
		i++
	}
}

// benchAddMembers adds 100 new members to a group of 10,000 per operation.
func benchAddMembers(b *testing.B, open Opener) {
	db, tenantID := benchStore(b, open)
	ctx := context.Background()
	const size, batch = 10000, 100
	ids := seedUsers(b, db, tenantID, size+batch*100)
	g := &roster.Group{DisplayName: "Everyone", Doc: map[string]any{"displayName": "Everyone"}}
	for _, id := range ids[:size] {
		g.Members = append(g.Members, roster.Member{ID: id})
	}
	if err := db.CreateGroup(ctx, tenantID, g); err != nil {
		b.Fatal(err)
	}
	rest := ids[size:]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		add := rest[(i*batch)%len(rest):][:batch]
		// Keep the group at 10,000 (+100): remove the batch added last time.
		b.StopTimer()
		if i > 0 {
			prev := rest[((i-1)*batch)%len(rest):][:batch]
			if err := db.UpdateGroup(ctx, tenantID, &roster.Group{ID: g.ID}, false,
				[]roster.MemberChange{{Op: roster.MembersRemove, IDs: prev}}, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := db.UpdateGroup(ctx, tenantID, &roster.Group{ID: g.ID}, false,
			[]roster.MemberChange{{Op: roster.MembersAdd, IDs: add}}, 0); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchFilter runs a filter over a tenant of 5,000 users, 100 groups of 50
// members each, and checks the number of matches.
func benchFilter(b *testing.B, open Opener, groups bool, text func(ids, gids []string, i int) string, want int) {
	db, tenantID := benchStore(b, open)
	ctx := context.Background()
	ids := seedUsers(b, db, tenantID, 5000)
	var gids []string
	for i := range 100 {
		g := &roster.Group{DisplayName: fmt.Sprintf("g%d", i), Doc: map[string]any{"displayName": fmt.Sprintf("g%d", i)}}
		for _, id := range ids[i*50 : i*50+50] {
			g.Members = append(g.Members, roster.Member{ID: id})
		}
		if err := db.CreateGroup(ctx, tenantID, g); err != nil {
			b.Fatal(err)
		}
		gids = append(gids, g.ID)
	}
	resolve := func(p filter.AttrPath) (filter.Attr, bool) {
		exact := p.Name == "id" || p.Name == "members"
		return filter.Attr{Type: filter.String, CaseExact: exact, MultiValued: p.Name == "members" || p.Name == "emails"}, true
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e, err := filter.Parse(text(ids, gids, i))
		if err != nil {
			b.Fatal(err)
		}
		q := roster.Query{Filter: e, Resolve: resolve, StartIndex: 1, Count: 100, WithoutMembers: true}
		var total int
		if groups {
			_, total, err = db.Groups(ctx, tenantID, q)
		} else {
			_, total, err = db.Users(ctx, tenantID, q)
		}
		if err != nil || total != want {
			b.Fatalf("%s: total %d, %v; want %d", e, total, err, want)
		}
		i++
	}
}

// benchMembershipCheck is Entra's `id eq "G" and members[value eq "U"]`.
func benchMembershipCheck(b *testing.B, open Opener) {
	benchFilter(b, open, true, func(ids, gids []string, i int) string {
		g := i % 100
		return fmt.Sprintf(`id eq %q and members[value eq %q]`, gids[g], ids[g*50+i%50])
	}, 1)
}

// benchFilterEmailOr puts an email equality under "or".
func benchFilterEmailOr(b *testing.B, open Opener) {
	benchFilter(b, open, false, func(ids, gids []string, i int) string {
		return fmt.Sprintf(`emails eq "user%06d@example.com" or displayName eq "nobody"`, i%5000)
	}, 1)
}
