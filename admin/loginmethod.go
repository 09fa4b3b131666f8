package admin

import (
	"cmp"
	"context"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// SetLoginMethod sets how the user ref (an id, else a userName in any case)
// of the tenant idOrName may sign in: method is idp, password or either, in
// any case. It returns the tenant and the user with its new method. A change
// bumps the user's version and tells the host app (user.updated). ENOTFOUND;
// EINVALID (Attr "loginMethod") for another method.
func (s *Service) SetLoginMethod(ctx context.Context, idOrName, ref, method string) (*roster.Tenant, *roster.User, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.findUser(ctx, t.ID, ref)
	if err != nil {
		return nil, nil, err
	}
	m, err := roster.ParseLoginMethod(method)
	if err != nil {
		return nil, nil, err
	}
	before := loginMethodState{UserName: u.UserName, LoginMethod: cmp.Or(u.LoginMethod, roster.LoginMethodIdP)}
	if err := s.store.SetLoginMethod(ctx, t.ID, u.ID, m); err != nil {
		return nil, nil, err
	}
	u.LoginMethod = m
	after := loginMethodState{UserName: u.UserName, LoginMethod: m}
	return t, u, s.audit(ctx, change{action: "user.login_method", tenant: t, target: u.ID, before: before, after: after})
}

// findUser finds a live user of the tenant by id, else by userName ignoring
// case. ENOTFOUND.
func (s *Service) findUser(ctx context.Context, tenantID, ref string) (*roster.User, error) {
	u, err := s.store.User(ctx, tenantID, ref)
	if roster.ErrorCode(err) != roster.ENOTFOUND {
		return u, err
	}
	us, _, err := s.store.Users(ctx, tenantID, roster.Query{
		Filter: &filter.Compare{Attr: filter.AttrPath{Name: "userName"}, Op: filter.Eq, Value: filter.Value{Kind: filter.KindString, Text: ref}},
		Resolve: func(p filter.AttrPath) (filter.Attr, bool) {
			return filter.Attr{Type: filter.String}, p.Name == "userName"
		},
		StartIndex: 1, Count: 1, WithoutMembers: true,
	})
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, roster.Errorf(roster.ENOTFOUND, "no user has the id or userName %q", ref)
	}
	return us[0], nil
}

// loginMethodState is what the audit trail records of a user's login
// method: never a password or its hash.
type loginMethodState struct {
	UserName    string `json:"user_name"`
	LoginMethod string `json:"login_method"`
}
