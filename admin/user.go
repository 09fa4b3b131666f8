package admin

import (
	"cmp"
	"context"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/sso"
)

// SetLoginMethod sets how the user ref (an id, else a userName in any case)
// of the tenant idOrName may sign in: method is idp, password or either, in
// any case. It returns the tenant and the user with its new method. A change
// bumps the user's version and tells the host app (user.updated). ENOTFOUND;
// EINVALID for another method.
func (s *Service) SetLoginMethod(ctx context.Context, idOrName, ref, method string) (*roster.Tenant, *roster.User, error) {
	t, u, err := s.user(ctx, idOrName, ref)
	if err != nil {
		return nil, nil, err
	}
	m, err := roster.ParseLoginMethod(method)
	if err != nil {
		return nil, nil, err
	}
	before := userSignInState{UserName: u.UserName, LoginMethod: cmp.Or(u.LoginMethod, roster.LoginMethodIdP)}
	if err := s.store.SetLoginMethod(ctx, t.ID, u.ID, m); err != nil {
		return nil, nil, err
	}
	u.LoginMethod = m
	after := userSignInState{UserName: u.UserName, LoginMethod: m}
	return t, u, s.audit(ctx, change{action: "user.login_method", tenant: t, target: u.ID, before: before, after: after})
}

// SetUserPassword sets the built-in password of the user ref (an id, else a
// userName in any case) of the tenant idOrName, kept only as its argon2id
// hash, and returns the tenant and the user. The password lets the user in
// only when its login method allows one (roster.AllowsLogin). ENOTFOUND;
// EINVALID for a password shorter than sso.MinPasswordLength.
func (s *Service) SetUserPassword(ctx context.Context, idOrName, ref, password string) (*roster.Tenant, *roster.User, error) {
	t, u, err := s.user(ctx, idOrName, ref)
	if err != nil {
		return nil, nil, err
	}
	hash, err := sso.HashPassword(password)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.SetPassword(ctx, t.ID, u.ID, hash); err != nil {
		return nil, nil, err
	}
	st := userSignInState{UserName: u.UserName, LoginMethod: cmp.Or(u.LoginMethod, roster.LoginMethodIdP)}
	return t, u, s.audit(ctx, change{action: "user.password", tenant: t, target: u.ID, after: st})
}

// user finds the tenant idOrName and its live user ref: by id, else by
// userName ignoring case. ENOTFOUND.
func (s *Service) user(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.User, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.userBy(ctx, t, ref, "userName")
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

// userBy finds the live user of tenant t whose id is ref, else whose
// attribute attrs[0], else attrs[1]… is ref (userName ignoring case,
// externalId exactly), with its groups. ENOTFOUND.
func (s *Service) userBy(ctx context.Context, t *roster.Tenant, ref string, attrs ...string) (*roster.User, error) {
	u, err := s.store.User(ctx, t.ID, ref)
	if roster.ErrorCode(err) != roster.ENOTFOUND {
		return u, err
	}
	for _, attr := range attrs {
		us, _, err := s.store.Users(ctx, t.ID, roster.Query{
			Filter: &filter.Compare{Attr: filter.AttrPath{Name: attr}, Op: filter.Eq, Value: filter.Value{Kind: filter.KindString, Text: ref}},
			Resolve: func(p filter.AttrPath) (filter.Attr, bool) {
				return filter.Attr{Type: filter.String, CaseExact: attr == "externalId"}, p.Name == attr
			},
			StartIndex: 1, Count: 1, WithoutMembers: true,
		})
		if err != nil {
			return nil, err
		}
		if len(us) > 0 {
			return s.store.User(ctx, t.ID, us[0].ID) // with its groups
		}
	}
	return nil, roster.Errorf(roster.ENOTFOUND, "no user has the id or %s %q", strings.Join(attrs, " or "), ref)
}

// userSignInState is what the audit trail records of a user's sign-in
// settings: never a password or its hash.
type userSignInState struct {
	UserName    string `json:"user_name"`
	LoginMethod string `json:"login_method"`
}
