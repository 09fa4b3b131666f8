package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testUserPage pages through a tenant's live users by userName in any case,
// and searches them by id, externalId, userName prefix and email prefix.
func testUserPage(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	mustUser(t, s, other.ID, userSpec{userName: "ada.other@contoso.com"})
	mustUser(t, s, tn.ID, userSpec{userName: "ada@contoso.com", emails: []roster.Email{{Value: "ada@contoso.com", Primary: true}}})
	bob := mustUser(t, s, tn.ID, userSpec{userName: "Bob@Contoso.com", externalID: "x-bob",
		emails: []roster.Email{{Value: "bob@contoso.com"}, {Value: "Robert@Fabrikam.com"}}})
	carol := mustUser(t, s, tn.ID, userSpec{userName: "carol", emails: []roster.Email{{Value: "carol.c@contoso.com"}}})
	mustGroup(t, s, tn.ID, "Team", bob.ID)
	dave := mustUser(t, s, tn.ID, userSpec{userName: "dave", externalID: "x-dave", emails: []roster.Email{{Value: "dave@contoso.com"}}})
	mustUser(t, s, tn.ID, userSpec{userName: "eve_1"})
	mustUser(t, s, tn.ID, userSpec{userName: "eveX1"})
	if err := s.RetireUser(ctx, tn.ID, dave.ID, 0); err != nil {
		t.Fatal(err)
	}

	page := func(q roster.UserPageQuery) []string {
		t.Helper()
		us, err := s.UserPage(ctx, tn.ID, q)
		if err != nil {
			t.Fatalf("UserPage(%+v) = %v", q, err)
		}
		return userNames(us)
	}
	var all []string
	for after := ""; ; {
		names := page(roster.UserPageQuery{After: after, Limit: 2})
		if len(names) == 0 {
			break
		}
		all = append(all, names...)
		after = names[len(names)-1]
	}
	if want := []string{"ada@contoso.com", "Bob@Contoso.com", "carol", "eve_1", "eveX1"}; !slices.Equal(all, want) {
		t.Errorf("pages of 2 = %v, want %v", all, want)
	}
	us, err := s.UserPage(ctx, tn.ID, roster.UserPageQuery{Search: "x-bob", Limit: 10})
	if err != nil || len(us) != 1 || us[0].ID != bob.ID || len(us[0].Emails) != 2 || us[0].Groups != nil {
		t.Fatalf("search by externalId = %v, %v; want Bob with his emails, without his groups", userNames(us), err)
	}
	for _, c := range []struct {
		search string
		want   []string
	}{
		{"ADA", []string{"ada@contoso.com"}},
		{"robert@fab", []string{"Bob@Contoso.com"}},
		{"bob", []string{"Bob@Contoso.com"}},
		{"contoso", nil},
		{"X-BOB", nil}, // externalId is exact
		{carol.ID, []string{"carol"}},
		{"carol.c", []string{"carol"}},
		{"dave", nil}, // retired
		{"x-dave", nil},
		{"eve_", []string{"eve_1"}}, // _ is no wildcard
		{"e", []string{"eve_1", "eveX1"}},
		{"%", nil},
	} {
		if got := page(roster.UserPageQuery{Search: c.search, Limit: 10}); !slices.Equal(got, c.want) {
			t.Errorf("search %q = %v, want %v", c.search, got, c.want)
		}
	}
	if got := page(roster.UserPageQuery{Search: "e", After: "eve_1", Limit: 10}); !slices.Equal(got, []string{"eveX1"}) {
		t.Errorf("search e after eve_1 = %v", got)
	}
	if got := page(roster.UserPageQuery{Search: "e", Limit: 1}); !slices.Equal(got, []string{"eve_1"}) {
		t.Errorf("search e, limit 1 = %v", got)
	}
}

// testUserPageManyEmails searches a prefix that more than a thousand emails
// start with, whose users' userNames do not: the page is still the first
// matches in userName order.
func testUserPageManyEmails(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, userSpec{userName: "staff-lead", emails: []roster.Email{{Value: "lead@contoso.com"}}})
	for i := range 1010 {
		mustUser(t, s, tn.ID, userSpec{userName: fmt.Sprintf("u%04d", i), emails: []roster.Email{{Value: fmt.Sprintf("staff%04d@contoso.com", i)}}})
	}
	us, err := s.UserPage(ctx, tn.ID, roster.UserPageQuery{Search: "STAFF", After: "u1000", Limit: 3})
	if want := []string{"u1001", "u1002", "u1003"}; err != nil || !slices.Equal(userNames(us), want) {
		t.Errorf("search STAFF after u1000 = %v, %v; want %v", userNames(us), err, want)
	}
	us, err = s.UserPage(ctx, tn.ID, roster.UserPageQuery{Search: "staff", Limit: 2})
	if want := []string{"staff-lead", "u0000"}; err != nil || !slices.Equal(userNames(us), want) {
		t.Errorf("search staff = %v, %v; want %v", userNames(us), err, want)
	}
}

// testGroupPage pages through a tenant's groups by displayName in any case
// then id (names repeat), and searches them by id, externalId and name prefix.
func testGroupPage(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	mustGroup(t, s, mustTenant(t, s, "other").ID, "Sales")
	var sales []*roster.Group
	for range 2 {
		sales = append(sales, mustGroup(t, s, tn.ID, "Sales"))
	}
	if sales[1].ID < sales[0].ID {
		sales[0], sales[1] = sales[1], sales[0]
	}
	eu := newGroup("sales-eu")
	eu.ExternalID = "x-eu"
	if err := s.CreateGroup(ctx, tn.ID, eu); err != nil {
		t.Fatal(err)
	}
	mustGroup(t, s, tn.ID, "Ops")
	zeta := mustGroup(t, s, tn.ID, "Zeta_1")
	mustGroup(t, s, tn.ID, "ZetaX")

	page := func(q roster.GroupPageQuery) []string {
		t.Helper()
		gs, err := s.GroupPage(ctx, tn.ID, q)
		if err != nil {
			t.Fatalf("GroupPage(%+v) = %v", q, err)
		}
		var ids []string
		for _, g := range gs {
			if g.Members != nil {
				t.Errorf("GroupPage loaded the members of %s", g.DisplayName)
			}
			ids = append(ids, g.DisplayName+"/"+g.ID)
		}
		return ids
	}
	var all []string
	q := roster.GroupPageQuery{Limit: 2}
	for {
		gs, err := s.GroupPage(ctx, tn.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) == 0 {
			break
		}
		for _, g := range gs {
			all = append(all, g.DisplayName)
		}
		last := gs[len(gs)-1]
		q.AfterName, q.AfterID = last.DisplayName, last.ID
	}
	if want := []string{"Ops", "Sales", "Sales", "sales-eu", "Zeta_1", "ZetaX"}; !slices.Equal(all, want) {
		t.Errorf("pages of 2 = %v, want %v", all, want)
	}
	name := func(g *roster.Group) string { return g.DisplayName + "/" + g.ID }
	if got, want := page(roster.GroupPageQuery{Search: "SALES", Limit: 2}), []string{name(sales[0]), name(sales[1])}; !slices.Equal(got, want) {
		t.Errorf("search SALES, limit 2 = %v, want %v", got, want)
	}
	if got, want := page(roster.GroupPageQuery{Search: "sales", AfterName: "Sales", AfterID: sales[0].ID, Limit: 5}), []string{name(sales[1]), name(eu)}; !slices.Equal(got, want) {
		t.Errorf("search sales after the first Sales = %v, want %v", got, want)
	}
	for _, c := range []struct {
		search string
		want   []string
	}{
		{"x-eu", []string{name(eu)}},
		{"X-EU", nil},
		{sales[1].ID, []string{name(sales[1])}},
		{"zeta_", []string{name(zeta)}}, // _ is no wildcard
	} {
		if got := page(roster.GroupPageQuery{Search: c.search, Limit: 10}); !slices.Equal(got, c.want) {
			t.Errorf("search %q = %v, want %v", c.search, got, c.want)
		}
	}
}

// testGroupMembers reads a group's members a page at a time, by member id.
func testGroupMembers(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	var ids []string
	for _, n := range []string{"ada", "bob", "carol", "dave"} {
		ids = append(ids, mustUser(t, s, tn.ID, userSpec{userName: n, displayName: "User " + n}).ID)
	}
	inner := mustGroup(t, s, tn.ID, "Inner")
	ids = append(ids, inner.ID)
	g := mustGroup(t, s, tn.ID, "Everyone", ids...)
	slices.Sort(ids)

	var got []roster.Member
	for after := ""; ; {
		ms, err := s.GroupMembers(ctx, tn.ID, g.ID, after, 2)
		if err != nil {
			t.Fatalf("GroupMembers = %v", err)
		}
		if len(ms) > 2 {
			t.Fatalf("GroupMembers(limit 2) = %d members", len(ms))
		}
		if len(ms) == 0 {
			break
		}
		got = append(got, ms...)
		after = ms[len(ms)-1].ID
	}
	var gotIDs []string
	for _, m := range got {
		gotIDs = append(gotIDs, m.ID)
		want := "User "
		if m.ID == inner.ID {
			if m.Type != roster.MemberGroup || m.Display != "Inner" {
				t.Errorf("group member = %+v", m)
			}
			continue
		}
		if m.Type != roster.MemberUser || len(m.Display) <= len(want) || m.Display[:len(want)] != want {
			t.Errorf("user member = %+v", m)
		}
	}
	if !slices.Equal(gotIDs, ids) {
		t.Errorf("members in pages of 2 = %v, want %v", gotIDs, ids)
	}
	ms, err := s.GroupMembers(ctx, mustTenant(t, s, "other").ID, g.ID, "", 10)
	if err != nil || len(ms) != 0 {
		t.Errorf("GroupMembers(other tenant) = %v, %v; want none", ms, err)
	}
	if ms, err := s.GroupMembers(ctx, tn.ID, "nope", "", 10); err != nil || len(ms) != 0 {
		t.Errorf("GroupMembers(no such group) = %v, %v; want none", ms, err)
	}
}

// testUserSessions lists a user's sessions, newest first, ended ones too.
// Sessions made in the same instant are told apart by their ids, which
// grow with time.
func testUserSessions(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a, b := mustTenant(t, s, "acme"), mustTenant(t, s, "beta")
	ada := mustUser(t, s, a.ID, userSpec{userName: "ada"})
	bob := mustUser(t, s, a.ID, userSpec{userName: "bob"})
	later := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	var ids []string
	for i, u := range []*roster.User{ada, bob, ada, ada} {
		ss := &roster.Session{TenantID: a.ID, UserID: u.ID, Expires: later,
			SignIn: roster.SignIn{Method: roster.LoginMethodPassword, AuthTime: time.Date(2026, 1, 2, 0, 0, i, 0, time.UTC)}}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		if u == ada {
			ids = append(ids, ss.ID)
		}
	}
	if err := s.EndSession(ctx, a.ID, ids[0]); err != nil {
		t.Fatal(err)
	}
	ss, err := s.UserSessions(ctx, a.ID, ada.ID, 10)
	if err != nil {
		t.Fatalf("UserSessions = %v", err)
	}
	var got []string
	for _, x := range ss {
		got = append(got, x.ID)
		if x.UserID != ada.ID || x.TenantID != a.ID || x.SignIn.Method != roster.LoginMethodPassword || x.Created.IsZero() || !x.Expires.Equal(later) {
			t.Errorf("session %+v", x)
		}
	}
	if want := []string{ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("UserSessions = %v, want newest first %v", got, want)
	}
	if ss[2].Ended.IsZero() || !ss[0].Ended.IsZero() {
		t.Errorf("ended: %v, %v; want the first session ended, the last not", ss[2].Ended, ss[0].Ended)
	}
	if ss, err := s.UserSessions(ctx, a.ID, ada.ID, 1); err != nil || len(ss) != 1 || ss[0].ID != ids[2] {
		t.Errorf("UserSessions(limit 1) = %v, %v", ss, err)
	}
	if ss, err := s.UserSessions(ctx, b.ID, ada.ID, 10); err != nil || len(ss) != 0 {
		t.Errorf("UserSessions(other tenant) = %v, %v; want none", ss, err)
	}
}
