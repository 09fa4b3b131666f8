package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

func testGroups(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	alice := mustUser(t, s, tn.ID, userSpec{userName: "alice", displayName: "Alice Anders"})
	bob := mustUser(t, s, tn.ID, userSpec{userName: "bob"})
	g := mustGroup(t, s, tn.ID, "Engineering", alice.ID, bob.ID, alice.ID)
	if g.ID == "" || g.Version != 1 || g.Created.IsZero() {
		t.Fatalf("CreateGroup filled ID %q, Version %d, Created %v", g.ID, g.Version, g.Created)
	}
	wantMembers := []roster.Member{
		{ID: alice.ID, Type: roster.MemberUser, Display: "Alice Anders"},
		{ID: bob.ID, Type: roster.MemberUser, Display: "bob"},
	}
	checkMembers(t, "CreateGroup members", wantMembers, g.Members)

	got, err := s.Group(ctx, tn.ID, g.ID, false)
	if err != nil {
		t.Fatalf("Group = %v", err)
	}
	if got.DisplayName != "Engineering" || got.Version != 1 || !got.Created.Equal(g.Created) {
		t.Errorf("Group = %+v, want %+v", got, g)
	}
	if diff := cmp.Diff(normal(t, g.Doc), normal(t, got.Doc)); diff != "" {
		t.Errorf("Group Doc mismatch (-want +got):\n%s", diff)
	}
	checkMembers(t, "Group members", wantMembers, got.Members)
	got, err = s.Group(ctx, tn.ID, g.ID, true)
	if err != nil || got.Members != nil {
		t.Errorf("Group(withoutMembers) = %v members, %v; want nil members", got.Members, err)
	}
	_, err = s.Group(ctx, tn.ID, "no-such-group", false)
	wantCode(t, "Group(unknown)", err, roster.ENOTFOUND)

	// A group nested in another shows with its displayName.
	all := mustGroup(t, s, tn.ID, "All", g.ID)
	checkMembers(t, "nested members", []roster.Member{{ID: g.ID, Type: roster.MemberGroup, Display: "Engineering"}}, all.Members)

	// Users read their direct groups.
	u, err := s.User(ctx, tn.ID, alice.ID)
	if err != nil {
		t.Fatalf("User = %v", err)
	}
	if diff := cmp.Diff([]roster.GroupRef{{ID: g.ID, DisplayName: "Engineering"}}, u.Groups); diff != "" {
		t.Errorf("User.Groups mismatch (-want +got):\n%s", diff)
	}
	us, _, err := s.Users(ctx, tn.ID, roster.Query{StartIndex: 1, Count: 10})
	if err != nil || len(us) != 2 || len(us[0].Groups) != 1 || len(us[1].Groups) != 1 {
		t.Errorf("Users = %v, %v, want two users with one group each", us, err)
	}

	// Replace sets the attributes and the whole member list.
	g.DisplayName = "Eng"
	g.Doc["displayName"] = "Eng"
	g.Members = []roster.Member{{ID: bob.ID}}
	if err := s.ReplaceGroup(ctx, tn.ID, g, 1); err != nil {
		t.Fatalf("ReplaceGroup = %v", err)
	}
	if g.Version != 2 {
		t.Errorf("ReplaceGroup Version = %d, want 2", g.Version)
	}
	got, err = s.Group(ctx, tn.ID, g.ID, false)
	if err != nil {
		t.Fatalf("Group = %v", err)
	}
	if got.DisplayName != "Eng" || got.Version != 2 {
		t.Errorf("Group after replace = %+v", got)
	}
	checkMembers(t, "members after replace", []roster.Member{{ID: bob.ID, Type: roster.MemberUser, Display: "bob"}}, got.Members)

	// Lists load members for the page, or none.
	gs, total, err := s.Groups(ctx, tn.ID, roster.Query{StartIndex: 1, Count: 10})
	if err != nil || total != 2 || len(gs) != 2 {
		t.Fatalf("Groups = %v, %d, %v; want 2 groups", gs, total, err)
	}
	checkMembers(t, "Groups members of Eng", got.Members, gs[0].Members)
	// A member's display follows its current name.
	checkMembers(t, "Groups members of All", []roster.Member{{ID: g.ID, Type: roster.MemberGroup, Display: "Eng"}}, gs[1].Members)
	gs, _, err = s.Groups(ctx, tn.ID, roster.Query{StartIndex: 1, Count: 10, WithoutMembers: true})
	if err != nil || len(gs) != 2 || gs[0].Members != nil || gs[1].Members != nil {
		t.Errorf("Groups(WithoutMembers) = %v, %v; want two groups without members", gs, err)
	}
}

func checkMembers(t *testing.T, what string, want, got []roster.Member) {
	t.Helper()
	byID := func(ms []roster.Member) map[string]roster.Member {
		m := map[string]roster.Member{}
		for _, x := range ms {
			m[x.ID] = x
		}
		return m
	}
	if len(want) != len(got) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	if diff := cmp.Diff(byID(want), byID(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

func testMemberBatches(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	var ids []string
	for _, name := range []string{"u0", "u1", "u2", "u3"} {
		ids = append(ids, mustUser(t, s, tn.ID, userSpec{userName: name}).ID)
	}
	nested := mustGroup(t, s, tn.ID, "Nested")
	g := mustGroup(t, s, tn.ID, "Team", ids[0])
	steps := []struct {
		name    string
		changes []roster.MemberChange
		want    []string
		version int64
	}{
		{"add, ignoring present ids", []roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{ids[1], ids[0], ids[2]}}},
			[]string{ids[0], ids[1], ids[2]}, 2},
		{"remove, ignoring absent ids", []roster.MemberChange{{Op: roster.MembersRemove, IDs: []string{ids[1], ids[3], "nobody"}}},
			[]string{ids[0], ids[2]}, 3},
		{"several batches in order", []roster.MemberChange{
			{Op: roster.MembersAdd, IDs: []string{ids[3], nested.ID}},
			{Op: roster.MembersRemove, IDs: []string{ids[0]}},
		}, []string{ids[2], ids[3], nested.ID}, 4},
		{"replace", []roster.MemberChange{{Op: roster.MembersReplace, IDs: []string{ids[1], nested.ID}}},
			[]string{ids[1], nested.ID}, 5},
		{"nothing changes", []roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{ids[1]}}},
			[]string{ids[1], nested.ID}, 5},
		{"remove all", []roster.MemberChange{{Op: roster.MembersRemoveAll}}, []string{}, 6},
		{"replace with none", []roster.MemberChange{{Op: roster.MembersAdd, IDs: ids}, {Op: roster.MembersReplace}}, []string{}, 7},
	}
	version := g.Version
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			u := &roster.Group{ID: g.ID}
			if err := s.UpdateGroup(ctx, tn.ID, u, false, st.changes, version); err != nil {
				t.Fatalf("UpdateGroup = %v", err)
			}
			version = u.Version
			got, err := s.Group(ctx, tn.ID, g.ID, false)
			if err != nil {
				t.Fatalf("Group = %v", err)
			}
			if diff := cmp.Diff(sorted(st.want), memberIDs(got.Members)); diff != "" {
				t.Errorf("members mismatch (-want +got):\n%s", diff)
			}
			if got.Version != st.version || u.Version != st.version {
				t.Errorf("Version = %d (stored %d), want %d", u.Version, got.Version, st.version)
			}
			if got.DisplayName != "Team" {
				t.Errorf("UpdateGroup without doc changed displayName to %q", got.DisplayName)
			}
		})
	}
	// Attributes and members in one update.
	u := newGroup("Team 2")
	u.ID = g.ID
	if err := s.UpdateGroup(ctx, tn.ID, u, true, []roster.MemberChange{{Op: roster.MembersAdd, IDs: ids[:1]}}, 0); err != nil {
		t.Fatalf("UpdateGroup(doc) = %v", err)
	}
	got, err := s.Group(ctx, tn.ID, g.ID, false)
	if err != nil || got.DisplayName != "Team 2" || len(got.Members) != 1 {
		t.Errorf("Group after UpdateGroup(doc) = %+v, %v", got, err)
	}
}

func testInvalidMembers(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, userSpec{userName: "u"})
	err := s.CreateGroup(ctx, tn.ID, newGroup("Bad", u.ID, "no-such-member"))
	wantCode(t, "CreateGroup(unknown member)", err, roster.EINVALID)
	if gs, total, err := s.Groups(ctx, tn.ID, roster.Query{}); err != nil || total != 0 {
		t.Errorf("Groups after a failed create = %v, %d, %v; want none", gs, total, err)
	}
	g := mustGroup(t, s, tn.ID, "Good", u.ID)
	err = s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: g.ID}, false, []roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{"no-such-member"}}}, 0)
	wantCode(t, "UpdateGroup(add unknown member)", err, roster.EINVALID)
	err = s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: g.ID}, false, []roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{g.ID}}}, 0)
	wantCode(t, "UpdateGroup(add itself)", err, roster.EINVALID)
	// A failed batch rolls back the batches before it.
	err = s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: g.ID}, false, []roster.MemberChange{
		{Op: roster.MembersRemoveAll}, {Op: roster.MembersReplace, IDs: []string{"no-such-member"}}}, 0)
	wantCode(t, "UpdateGroup(remove all, then bad replace)", err, roster.EINVALID)
	r := newGroup("Good", g.ID)
	r.ID = g.ID
	wantCode(t, "ReplaceGroup(itself as member)", s.ReplaceGroup(ctx, tn.ID, r, 0), roster.EINVALID)
	got, err := s.Group(ctx, tn.ID, g.ID, false)
	if err != nil || got.Version != 1 || len(got.Members) != 1 {
		t.Errorf("Group after failed updates = %+v, %v; want version 1 with one member", got, err)
	}
	err = s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: "no-such-group"}, false, []roster.MemberChange{{Op: roster.MembersRemoveAll}}, 0)
	wantCode(t, "UpdateGroup(unknown group)", err, roster.ENOTFOUND)
	wantCode(t, "CreateGroup(no displayName)", s.CreateGroup(ctx, tn.ID, &roster.Group{}), roster.EINVALID)
}

func testGroupPreconditions(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, userSpec{userName: "u"})
	g := mustGroup(t, s, tn.ID, "G")
	add := []roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{u.ID}}}
	if err := s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: g.ID}, false, add, 1); err != nil {
		t.Fatalf("UpdateGroup(version 1) = %v", err)
	}
	wantCode(t, "UpdateGroup(stale)", s.UpdateGroup(ctx, tn.ID, &roster.Group{ID: g.ID}, false, add, 1), roster.EPRECONDITION)
	r := newGroup("G2")
	r.ID = g.ID
	wantCode(t, "ReplaceGroup(stale)", s.ReplaceGroup(ctx, tn.ID, r, 1), roster.EPRECONDITION)
	wantCode(t, "DeleteGroup(stale)", s.DeleteGroup(ctx, tn.ID, g.ID, 1), roster.EPRECONDITION)
	if err := s.DeleteGroup(ctx, tn.ID, g.ID, 2); err != nil {
		t.Fatalf("DeleteGroup(version 2) = %v", err)
	}
	wantCode(t, "DeleteGroup(deleted)", s.DeleteGroup(ctx, tn.ID, g.ID, 0), roster.ENOTFOUND)
	wantCode(t, "ReplaceGroup(deleted)", s.ReplaceGroup(ctx, tn.ID, r, 0), roster.ENOTFOUND)
}

func testDeleteCascades(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, userSpec{userName: "u", emails: []roster.Email{{Value: "u@example.com"}}})
	keep := mustUser(t, s, tn.ID, userSpec{userName: "keep"})
	inner := mustGroup(t, s, tn.ID, "Inner", u.ID)
	outer := mustGroup(t, s, tn.ID, "Outer", u.ID, keep.ID, inner.ID)

	if err := s.DeleteUser(ctx, tn.ID, u.ID, 0); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	got, err := s.Group(ctx, tn.ID, outer.ID, false)
	if err != nil {
		t.Fatalf("Group = %v", err)
	}
	if diff := cmp.Diff(sorted([]string{keep.ID, inner.ID}), memberIDs(got.Members)); diff != "" {
		t.Errorf("members after DeleteUser mismatch (-want +got):\n%s", diff)
	}
	if got.Version != outer.Version+1 {
		t.Errorf("Version of a group the deleted user left = %d, want %d", got.Version, outer.Version+1)
	}
	gs, total, err := s.Groups(ctx, tn.ID, roster.Query{Filter: mustParse(t, `members[value eq "`+u.ID+`"]`), Resolve: resolve, Count: 10})
	if err != nil || total != 0 {
		t.Errorf("Groups(members of the deleted user) = %v, %d, %v; want none", gs, total, err)
	}
	// The deleted user's email is free again and no longer matches.
	_, total, err = s.Users(ctx, tn.ID, roster.Query{Filter: mustParse(t, `emails eq "u@example.com"`), Resolve: resolve, Count: 10})
	if err != nil || total != 0 {
		t.Errorf("Users(email of the deleted user) total = %d, %v; want 0", total, err)
	}
	mustUser(t, s, tn.ID, userSpec{userName: "u"})

	if err := s.DeleteGroup(ctx, tn.ID, inner.ID, 0); err != nil {
		t.Fatalf("DeleteGroup = %v", err)
	}
	got, err = s.Group(ctx, tn.ID, outer.ID, false)
	if err != nil {
		t.Fatalf("Group = %v", err)
	}
	if diff := cmp.Diff([]string{keep.ID}, memberIDs(got.Members)); diff != "" {
		t.Errorf("members after DeleteGroup of a member mismatch (-want +got):\n%s", diff)
	}
	k, err := s.User(ctx, tn.ID, keep.ID)
	if err != nil || len(k.Groups) != 1 {
		t.Fatalf("User(keep).Groups = %v, %v; want one", k.Groups, err)
	}
	if err := s.DeleteGroup(ctx, tn.ID, outer.ID, 0); err != nil {
		t.Fatalf("DeleteGroup = %v", err)
	}
	k, err = s.User(ctx, tn.ID, keep.ID)
	if err != nil || len(k.Groups) != 0 {
		t.Errorf("User(keep).Groups after DeleteGroup = %v, %v; want none", k.Groups, err)
	}
}

// testEachMember reads a group's members one by one, in the order and with the
// displays of Group, and stops at the callback's error.
func testEachMember(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	var ids []string
	for _, name := range []string{"zoe", "adam", "mia"} {
		ids = append(ids, mustUser(t, s, tn.ID, userSpec{userName: name, displayName: strings.ToUpper(name)}).ID)
	}
	sub := mustGroup(t, s, tn.ID, "Sub")
	g := mustGroup(t, s, tn.ID, "All", append(ids, sub.ID)...)
	want, err := s.Group(ctx, tn.ID, g.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []roster.Member
	if err := s.EachMember(ctx, tn.ID, g.ID, func(m roster.Member) error { got = append(got, m); return nil }); err != nil {
		t.Fatalf("EachMember = %v", err)
	}
	if diff := cmp.Diff(want.Members, got); diff != "" {
		t.Errorf("EachMember differs from Group's members (-want +got):\n%s", diff)
	}
	stop := roster.Errorf(roster.EINVALID, "enough")
	n := 0
	err = s.EachMember(ctx, tn.ID, g.ID, func(roster.Member) error { n++; return stop })
	if roster.ErrorCode(err) != roster.EINVALID || n != 1 {
		t.Errorf("EachMember stopping: %d calls, %v", n, err)
	}
	if err := s.EachMember(ctx, tn.ID, "nope", func(roster.Member) error { t.Error("a member of no group"); return nil }); err != nil {
		t.Errorf("EachMember(unknown group) = %v, want none and no error", err)
	}
}

// reservedGroup returns a group that holds its displayName (ReserveName).
func reservedGroup(displayName string) *roster.Group {
	g := newGroup(displayName)
	g.ReserveName = true
	return g
}

// wantNameTaken checks the conflict of a write of a name the group holder holds.
func wantNameTaken(t *testing.T, what string, err error, holder string) {
	t.Helper()
	wantCode(t, what, err, roster.ECONFLICT)
	var e *roster.Error
	if !errors.As(err, &e) || e.Attr != "displayName" || !strings.Contains(e.Detail, holder) {
		t.Errorf("%s = %#v, want Attr displayName and a detail naming %s", what, err, holder)
	}
}

func testGroupNameUnique(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "globex")
	sales := reservedGroup("Sales")
	if err := s.CreateGroup(ctx, tn.ID, sales); err != nil {
		t.Fatalf("CreateGroup(Sales) = %v", err)
	}
	wantNameTaken(t, "CreateGroup(SALES)", s.CreateGroup(ctx, tn.ID, reservedGroup("SALES")), sales.ID)
	if err := s.CreateGroup(ctx, other.ID, reservedGroup("Sales")); err != nil {
		t.Fatalf("CreateGroup(Sales) in another tenant = %v", err)
	}
	// A group that does not reserve its name may share it, and keeps it when written.
	dup := newGroup("sales")
	if err := s.CreateGroup(ctx, tn.ID, dup); err != nil {
		t.Fatalf("CreateGroup(sales, not reserved) = %v", err)
	}
	dup.ReserveName = true
	dup.Doc["externalId"] = "x"
	if err := s.ReplaceGroup(ctx, tn.ID, dup, 0); err != nil {
		t.Fatalf("ReplaceGroup(sales, same name) = %v", err)
	}

	// Renames: to a held name, refused; in case only, kept; away, released.
	mkt := reservedGroup("Marketing")
	if err := s.CreateGroup(ctx, tn.ID, mkt); err != nil {
		t.Fatalf("CreateGroup(Marketing) = %v", err)
	}
	mkt.DisplayName = "sALES"
	wantNameTaken(t, "ReplaceGroup(Marketing → sALES)", s.ReplaceGroup(ctx, tn.ID, mkt, 0), sales.ID)
	wantNameTaken(t, "UpdateGroup(Marketing → sALES)", s.UpdateGroup(ctx, tn.ID, mkt, true, nil, 0), sales.ID)
	if got, err := s.Group(ctx, tn.ID, mkt.ID, true); err != nil || got.DisplayName != "Marketing" || got.Version != 1 {
		t.Fatalf("Group(Marketing) after refused renames = %+v, %v", got, err)
	}
	sales.DisplayName = "SALES"
	if err := s.UpdateGroup(ctx, tn.ID, sales, true, nil, 0); err != nil {
		t.Fatalf("UpdateGroup(Sales → SALES) = %v", err)
	}
	wantNameTaken(t, "CreateGroup(Sales) after a rename in case", s.CreateGroup(ctx, tn.ID, reservedGroup("Sales")), sales.ID)
	sales.DisplayName = "Sales EMEA"
	if err := s.ReplaceGroup(ctx, tn.ID, sales, 0); err != nil {
		t.Fatalf("ReplaceGroup(SALES → Sales EMEA) = %v", err)
	}
	mkt.DisplayName = "Sales"
	if err := s.UpdateGroup(ctx, tn.ID, mkt, true, nil, 0); err != nil {
		t.Fatalf("UpdateGroup(Marketing → Sales) after Sales was released = %v", err)
	}

	// A deleted group releases its name.
	if err := s.DeleteGroup(ctx, tn.ID, mkt.ID, 0); err != nil {
		t.Fatalf("DeleteGroup = %v", err)
	}
	if err := s.CreateGroup(ctx, tn.ID, reservedGroup("SALES")); err != nil {
		t.Fatalf("CreateGroup(SALES) after the holder was deleted = %v", err)
	}
}

func testGroupNameConcurrent(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := "Operations"
			if i%2 == 1 {
				name = "OPERATIONS"
			}
			errs[i] = s.CreateGroup(ctx, tn.ID, reservedGroup(name))
		})
	}
	wg.Wait()
	OneWinner(t, "creates of one displayName", errs)
	_, total, err := s.Groups(ctx, tn.ID, roster.Query{})
	if err != nil || total != 1 {
		t.Errorf("Groups total = %d, %v, want 1", total, err)
	}
}
