package admin

import (
	"context"
	"strings"

	"github.com/rosterhq/roster"
)

// DefaultPage and MaxPage are how many users, groups or members one page
// lists when none is asked for, and at most.
const (
	DefaultPage = 50
	MaxPage     = 1000
)

// pageLimit checks the size asked for one page: 0 is DefaultPage.
func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPage, nil
	case n < 0 || n > MaxPage:
		return 0, roster.Errorf(roster.EINVALID, "page size %d: want 1 to %d", n, MaxPage)
	}
	return n, nil
}

// pageTenant checks the size *limit asked for one page, setting 0 to
// DefaultPage, and finds the tenant idOrName.
func (s *Service) pageTenant(ctx context.Context, idOrName string, limit *int) (*roster.Tenant, error) {
	n, err := pageLimit(*limit)
	if err != nil {
		return nil, err
	}
	*limit = n
	return s.store.Tenant(ctx, idOrName)
}

// UserPage returns the tenant idOrName and at most q.Limit (0: DefaultPage)
// of its live users that q selects, by the same search as the console's
// users page: an exact id or externalId, or the start of a userName or an
// email, ignoring case. ENOTFOUND, EINVALID for a limit past MaxPage.
func (s *Service) UserPage(ctx context.Context, idOrName string, q roster.UserPageQuery) (*roster.Tenant, []*roster.User, error) {
	t, err := s.pageTenant(ctx, idOrName, &q.Limit)
	if err != nil {
		return nil, nil, err
	}
	us, err := s.store.UserPage(ctx, t.ID, q)
	return t, us, err
}

// FindUser returns the tenant idOrName and its live user ref, with its
// groups: ref is an id, else a userName in any case, else an externalId.
// ENOTFOUND.
func (s *Service) FindUser(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.User, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.userBy(ctx, t, ref, "userName", "externalId")
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

// GroupPage returns the tenant idOrName and at most q.Limit (0: DefaultPage)
// of its groups that q selects, by the same search as the console's groups
// page: an exact id or externalId, or the start of a displayName, ignoring
// case. ENOTFOUND, EINVALID for a limit past MaxPage.
func (s *Service) GroupPage(ctx context.Context, idOrName string, q roster.GroupPageQuery) (*roster.Tenant, []*roster.Group, error) {
	t, err := s.pageTenant(ctx, idOrName, &q.Limit)
	if err != nil {
		return nil, nil, err
	}
	gs, err := s.store.GroupPage(ctx, t.ID, q)
	return t, gs, err
}

// FindGroup returns the tenant idOrName and its group ref, without its
// members (GroupMembers pages them): ref is an id, else a displayName in any
// case, else an externalId. ENOTFOUND; EINVALID when several groups have
// that displayName.
func (s *Service) FindGroup(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.Group, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.store.Group(ctx, t.ID, ref, true)
	if roster.ErrorCode(err) != roster.ENOTFOUND {
		return t, g, err
	}
	// The search keeps names that start with ref: at most MaxPage of them
	// are read to find the ones that are ref.
	var named, external []*roster.Group
	for q := (roster.GroupPageQuery{Search: ref, Limit: MaxPage}); ; {
		gs, err := s.store.GroupPage(ctx, t.ID, q)
		if err != nil {
			return nil, nil, err
		}
		for _, g := range gs {
			switch {
			case strings.EqualFold(g.DisplayName, ref):
				named = append(named, g)
			case g.ExternalID == ref:
				external = append(external, g)
			}
		}
		if len(gs) < q.Limit || len(named) > 1 || !strings.EqualFold(gs[len(gs)-1].DisplayName, ref) {
			break
		}
		q.AfterName, q.AfterID = gs[len(gs)-1].DisplayName, gs[len(gs)-1].ID
	}
	if len(named) == 0 && len(external) > 0 {
		named = external
	}
	switch len(named) {
	case 0:
		return nil, nil, roster.Errorf(roster.ENOTFOUND, "tenant %s has no group whose id, displayName or externalId is %q", t.Name, ref)
	case 1:
		return t, named[0], nil
	}
	return nil, nil, roster.Errorf(roster.EINVALID, "several groups of tenant %s are named %q: name one by its id", t.Name, ref)
}

// GroupMembers returns at most limit (0: DefaultPage) members of the group
// id of tenant t, after the member id after ("" for the first page).
func (s *Service) GroupMembers(ctx context.Context, t *roster.Tenant, id, after string, limit int) ([]roster.Member, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	return s.store.GroupMembers(ctx, t.ID, id, after, limit)
}
