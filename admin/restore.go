package admin

import (
	"context"
	"time"

	"github.com/rosterhq/roster"
)

// RestoreUser brings back the retired user ref (an id, userName in any case or
// externalId, among the retired users; of several, the one retired last) of
// the tenant idOrName: the same id, document, unique values and memberships
// of the groups that still exist, and tells the host app (user.restored). It
// returns the tenant and the restored user. ENOTFOUND; ECONFLICT naming the
// live user who took its userName or a unique value meanwhile.
func (s *Service) RestoreUser(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.User, error) {
	t, u, err := s.retiredUser(ctx, idOrName, ref)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.RestoreUser(ctx, t.ID, u.ID); err != nil {
		return nil, nil, err
	}
	before := retiredUserState(u)
	if u, err = s.store.User(ctx, t.ID, u.ID); err != nil {
		return nil, nil, err
	}
	return t, u, s.audit(ctx, change{action: "user.restore", tenant: t, target: u.ID, before: before, after: retiredUserState(u)})
}

// PurgeUser removes the retired user ref (as in RestoreUser) of the tenant
// idOrName for good, with its emails and what was kept for its restore (an
// erasure request), and returns the tenant and the user as it was. ENOTFOUND.
func (s *Service) PurgeUser(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.User, error) {
	t, u, err := s.retiredUser(ctx, idOrName, ref)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.PurgeUser(ctx, t.ID, u.ID); err != nil {
		return nil, nil, err
	}
	return t, u, s.audit(ctx, change{action: "user.purge", tenant: t, target: u.ID, before: retiredUserState(u)})
}

// retiredUser finds the tenant idOrName and its retired user ref. ENOTFOUND.
func (s *Service) retiredUser(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.User, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.store.RetiredUser(ctx, t.ID, ref)
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

// userState is what the audit trail records of a restored or purged user:
// who it was, not its document.
type userState struct {
	UserName   string     `json:"user_name"`
	ExternalID string     `json:"external_id,omitempty"`
	Retired    *time.Time `json:"retired,omitempty"`
}

func retiredUserState(u *roster.User) userState {
	st := userState{UserName: u.UserName, ExternalID: u.ExternalID}
	if !u.Retired.IsZero() {
		r := u.Retired.UTC()
		st.Retired = &r
	}
	return st
}

// RestoreGroup brings back the deleted group ref (an id, displayName in any
// case or externalId, among the deleted groups; of several, the one deleted
// last) of the tenant idOrName: the same id, displayName, externalId and
// document, its members that are live users or groups, and its place in the
// live groups it belonged to, and tells the host app (group.restored). It
// returns the tenant and the restored group with its members. ENOTFOUND;
// ECONFLICT naming the live group that took its displayName meanwhile.
func (s *Service) RestoreGroup(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.Group, error) {
	t, g, err := s.retiredGroup(ctx, idOrName, ref)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.RestoreGroup(ctx, t.ID, g.ID); err != nil {
		return nil, nil, err
	}
	before := retiredGroupState(g)
	if g, err = s.store.Group(ctx, t.ID, g.ID, false); err != nil {
		return nil, nil, err
	}
	return t, g, s.audit(ctx, change{action: "group.restore", tenant: t, target: g.ID, before: before, after: retiredGroupState(g)})
}

// PurgeGroup removes the deleted group ref (as in RestoreGroup) of the
// tenant idOrName for good, with what was kept for its restore, and returns
// the tenant and the group as it was deleted. ENOTFOUND.
func (s *Service) PurgeGroup(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.Group, error) {
	t, g, err := s.retiredGroup(ctx, idOrName, ref)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.PurgeGroup(ctx, t.ID, g.ID); err != nil {
		return nil, nil, err
	}
	return t, g, s.audit(ctx, change{action: "group.purge", tenant: t, target: g.ID, before: retiredGroupState(g)})
}

// retiredGroup finds the tenant idOrName and its deleted group ref. ENOTFOUND.
func (s *Service) retiredGroup(ctx context.Context, idOrName, ref string) (*roster.Tenant, *roster.Group, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.store.RetiredGroup(ctx, t.ID, ref)
	if err != nil {
		return nil, nil, err
	}
	return t, g, nil
}

// groupState is what the audit trail records of a restored or purged group:
// which it was and how many members it had, not its document.
type groupState struct {
	DisplayName string     `json:"display_name"`
	ExternalID  string     `json:"external_id,omitempty"`
	Members     int        `json:"members"`
	Retired     *time.Time `json:"retired,omitempty"`
}

func retiredGroupState(g *roster.Group) groupState {
	st := groupState{DisplayName: g.DisplayName, ExternalID: g.ExternalID, Members: len(g.Members)}
	if !g.Retired.IsZero() {
		r := g.Retired.UTC()
		st.Retired = &r
	}
	return st
}
