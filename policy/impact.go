package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// UserLister is what Impact reads of the store.
type UserLister interface {
	Users(ctx context.Context, tenantID string, q roster.Query) ([]*roster.User, int, error)
	Folders(ctx context.Context, tenantID string) ([]*roster.Folder, error)
}

// Impact is what a policy does to a tenant's existing users.
type Impact struct {
	// Users counts the live users looked at.
	Users int
	// Changed counts those whose entitlements the policy changes; Deactivated
	// those of them it takes out of the app (entitlement active true → false).
	Changed, Deactivated int
	// Failing counts those who would fail a check of the policy if the IdP
	// sent them afresh (their later writes are checked on what they change).
	Failing int
	// ChangedExamples and FailingExamples are the first few of each.
	ChangedExamples, FailingExamples []UserNote
}

// UserNote names a user and says what about it.
type UserNote struct {
	UserName string
	Note     string
}

// impactPage is how many users Impact reads at a time.
const impactPage = 1000

// Impact reads every live user of the tenant and reports what p would do to
// them, with up to examples of each kind. It writes nothing.
func (p *Policy) Impact(ctx context.Context, st UserLister, tenantID string, examples int) (*Impact, error) {
	folders, err := st.Folders(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	fs := NewFolderIndex(folders)
	im := &Impact{}
	cursor := ""
	for {
		q, err := roster.CursorPage(roster.Query{Resolve: cursorAttrs, WithoutMembers: true}, cursor, impactPage)
		if err != nil {
			return nil, err
		}
		users, _, err := st.Users(ctx, tenantID, q)
		if err != nil {
			return nil, err
		}
		more := len(users) > impactPage
		users = users[:min(len(users), impactPage)]
		for _, u := range users {
			im.add(p, u, fs, examples)
		}
		if !more {
			return im, nil
		}
		last := users[len(users)-1]
		cursor = roster.EncodeCursor(last.Created, last.ID)
	}
}

// add counts what p does to u.
func (im *Impact) add(p *Policy, u *roster.User, fs *FolderIndex, examples int) {
	im.Users++
	if _, err := p.User(u.Doc, fs); err != nil {
		im.Failing++
		if len(im.FailingExamples) < examples {
			im.FailingExamples = append(im.FailingExamples, UserNote{u.UserName, roster.ErrorDetail(err)})
		}
	}
	e := p.entitlements(u.Doc)
	diff := entitlementDiff(u.Entitlements, e)
	if diff == "" {
		return
	}
	im.Changed++
	if u.Entitlements.Active && !e.Active {
		im.Deactivated++
	}
	if len(im.ChangedExamples) < examples {
		im.ChangedExamples = append(im.ChangedExamples, UserNote{u.UserName, diff})
	}
}

// entitlementDiff says how b differs from a: "" when alike.
func entitlementDiff(a, b roster.Entitlements) string {
	var out []string
	if a.Active != b.Active {
		out = append(out, fmt.Sprintf("active %t → %t", a.Active, b.Active))
	}
	list := func(name string, x, y []string) {
		if !slices.Equal(x, y) {
			out = append(out, fmt.Sprintf("%s [%s] → [%s]", name, strings.Join(x, ", "), strings.Join(y, ", ")))
		}
	}
	list("licenses", a.Licenses, b.Licenses)
	if a.AccessRole != b.AccessRole {
		out = append(out, fmt.Sprintf("accessRole %q → %q", a.AccessRole, b.AccessRole))
	}
	list("roles", a.Roles, b.Roles)
	return strings.Join(out, "; ")
}

// cursorAttrs describes the attributes of a cursor page's keyset condition.
func cursorAttrs(p filter.AttrPath) (filter.Attr, bool) {
	switch strings.ToLower(p.Name) {
	case "id":
		return filter.Attr{Type: filter.String, CaseExact: true}, true
	case "meta":
		return filter.Attr{Type: filter.DateTime}, true
	}
	return filter.Attr{}, false
}
