package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

func testPagination(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	var created []string
	for i := range 25 {
		u := mustUser(t, s, tn.ID, userSpec{userName: fmt.Sprintf("user%02d", 24-i), department: "Same"})
		created = append(created, u.UserName)
	}
	var seen []string
	for _, start := range []int{1, 11, 21} {
		page, total, err := s.Users(ctx, tn.ID, roster.Query{StartIndex: start, Count: 10})
		if err != nil {
			t.Fatalf("Users(startIndex %d) = %v", start, err)
		}
		if total != 25 {
			t.Errorf("Users(startIndex %d) total = %d, want 25", start, total)
		}
		seen = append(seen, userNames(page)...)
	}
	if diff := cmp.Diff(created, seen); diff != "" {
		t.Errorf("pages in creation order mismatch (-want +got):\n%s", diff)
	}
	page, total, err := s.Users(ctx, tn.ID, roster.Query{StartIndex: 1, Count: 0})
	if err != nil || total != 25 || len(page) != 0 {
		t.Errorf("Users(count 0) = %d users, total %d, %v; want none, total 25", len(page), total, err)
	}
	page, total, err = s.Users(ctx, tn.ID, roster.Query{StartIndex: 26, Count: 10})
	if err != nil || total != 25 || len(page) != 0 {
		t.Errorf("Users(startIndex 26) = %d users, total %d, %v; want none, total 25", len(page), total, err)
	}
	page, total, err = s.Users(ctx, tn.ID, roster.Query{Filter: mustParse(t, `userName sw "user1"`), Resolve: resolve, StartIndex: 3, Count: 5})
	if want := []string{"user17", "user16", "user15", "user14", "user13"}; err != nil || total != 10 || !slices.Equal(userNames(page), want) {
		t.Errorf("Users(filtered, startIndex 3, count 5) = %v, total %d, %v; want %v, total 10", userNames(page), total, err, want)
	}
	// A first page's total is right whether the page comes back short, exactly
	// full or full with more behind it.
	for _, tc := range []struct {
		filter       string
		count, total int
	}{
		{`userName sw "user1"`, 20, 10}, {`userName sw "user1"`, 10, 10}, {`userName sw "user1"`, 9, 10},
		{`userName eq "user07"`, 100, 1}, {`userName eq "nobody"`, 100, 0},
	} {
		page, total, err := s.Users(ctx, tn.ID, roster.Query{Filter: mustParse(t, tc.filter), Resolve: resolve, StartIndex: 1, Count: tc.count})
		if err != nil || total != tc.total || len(page) != min(tc.count, tc.total) {
			t.Errorf("Users(%s, count %d) = %d users, total %d, %v; want %d, total %d", tc.filter, tc.count, len(page), total, err, min(tc.count, tc.total), tc.total)
		}
	}
	// Equal sort keys fall back to creation order, so pages never overlap.
	seen = nil
	for start := 1; start <= 25; start += 7 {
		page, _, err := s.Users(ctx, tn.ID, roster.Query{StartIndex: start, Count: 7, Resolve: resolve,
			SortBy: filter.AttrPath{URN: enterpriseURN, Name: "department"}})
		if err != nil {
			t.Fatalf("Users(sortBy department) = %v", err)
		}
		seen = append(seen, userNames(page)...)
	}
	if diff := cmp.Diff(created, seen); diff != "" {
		t.Errorf("pages sorted by an equal key mismatch (-want +got):\n%s", diff)
	}
}

func testSort(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	userFixtures(t, s, tn.ID)
	tests := []struct {
		name string
		by   filter.AttrPath
		desc bool
		want []string
	}{
		{"userName", filter.AttrPath{Name: "userName"}, false,
			[]string{"alice@example.com", "bob@example.com", "carol@Example.org", "dave_x%@example.com"}},
		{"userName descending", filter.AttrPath{Name: "USERNAME"}, true,
			[]string{"dave_x%@example.com", "carol@Example.org", "bob@example.com", "alice@example.com"}},
		{"displayName, absent last", filter.AttrPath{Name: "displayName"}, false,
			[]string{"alice@example.com", "bob@example.com", "carol@Example.org", "dave_x%@example.com"}},
		{"displayName descending, absent last", filter.AttrPath{Name: "displayName"}, true,
			[]string{"carol@Example.org", "bob@example.com", "alice@example.com", "dave_x%@example.com"}},
		{"department, case-insensitive, then created", filter.AttrPath{URN: enterpriseURN, Name: "department"}, false,
			[]string{"alice@example.com", "carol@Example.org", "bob@example.com", "dave_x%@example.com"}},
		{"emails by primary value", filter.AttrPath{Name: "emails"}, false,
			[]string{"alice@example.com", "bob@example.com", "dave_x%@example.com", "carol@Example.org"}},
		{"meta.created descending", filter.AttrPath{Name: "meta", Sub: "created"}, true,
			[]string{"dave_x%@example.com", "carol@Example.org", "bob@example.com", "alice@example.com"}},
		{"name.familyName", filter.AttrPath{Name: "name", Sub: "familyName"}, false,
			[]string{"alice@example.com", "bob@example.com", "carol@Example.org", "dave_x%@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.Users(ctx, tn.ID, roster.Query{StartIndex: 1, Count: 10, SortBy: tt.by, SortDesc: tt.desc, Resolve: resolve})
			if err != nil {
				t.Fatalf("Users(sortBy %s) = %v", tt.by, err)
			}
			if diff := cmp.Diff(tt.want, userNames(got)); diff != "" {
				t.Errorf("Users(sortBy %s, desc %v) mismatch (-want +got):\n%s", tt.by, tt.desc, diff)
			}
		})
	}
}
