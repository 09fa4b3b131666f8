package admin

import (
	"context"

	"github.com/rosterhq/roster"
)

// HeldOperations returns the tenant idOrName and the deactivations and
// deletes its deprovisioning guard holds, oldest first: at most q.Limit of
// them after q.After (every one when q.Limit is 0). ENOTFOUND.
func (s *Service) HeldOperations(ctx context.Context, idOrName string, q roster.HeldQuery) (*roster.Tenant, []*roster.HeldOperation, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	ops, err := s.store.HeldOperations(ctx, t.ID, q)
	return t, ops, err
}

// ReleaseHeld lets the held operations ids of the tenant idOrName (every
// one with all) take their course: their waiting events reach the host app,
// in the order they were held, and a deleted user is restorable for the
// restore retention from its delete, as any other. It returns the tenant and
// the operations released, audited held.release. EINVALID unless exactly one
// of all and ids is given; ENOTFOUND.
func (s *Service) ReleaseHeld(ctx context.Context, idOrName string, all bool, ids []string) (*roster.Tenant, []*roster.HeldOperation, error) {
	return s.settleHeld(ctx, "held.release", idOrName, all, ids, s.store.ReleaseHeld)
}

// RevertHeld undoes the held operations ids of the tenant idOrName (every
// one with all), newest first: a deleted user comes back with its groups, a
// deactivated one is active again with its entitlements from before, and the
// host app is told user.restored; the waiting events are dropped. It returns
// the tenant and the operations reverted, audited held.revert. EINVALID
// unless exactly one of all and ids is given; ENOTFOUND; ECONFLICT as
// RestoreUser (nothing is reverted then).
func (s *Service) RevertHeld(ctx context.Context, idOrName string, all bool, ids []string) (*roster.Tenant, []*roster.HeldOperation, error) {
	return s.settleHeld(ctx, "held.revert", idOrName, all, ids, s.store.RevertHeld)
}

// settleHeld releases or reverts (settle) held operations, and audits it.
func (s *Service) settleHeld(ctx context.Context, action, idOrName string, all bool, ids []string,
	settle func(ctx context.Context, tenantID string, ids []string) ([]*roster.HeldOperation, error)) (*roster.Tenant, []*roster.HeldOperation, error) {
	if all == (len(ids) > 0) {
		return nil, nil, roster.Errorf(roster.EINVALID, "name the held operations by id, or all of them")
	}
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	ops, err := settle(ctx, t.ID, ids)
	if err != nil {
		return nil, nil, err
	}
	if len(ops) == 0 {
		return t, ops, nil
	}
	target := "all"
	if !all {
		target = ops[0].ID
		if len(ops) > 1 {
			target = "several"
		}
	}
	return t, ops, s.audit(ctx, change{action: action, tenant: t, target: target, after: heldState(ops)})
}

// heldEntry is what the audit trail records of a held operation settled.
type heldEntry struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name,omitempty"`
}

// heldAudited bounds the operations one audit row names; it counts them all.
const heldAudited = 100

// heldSettled is the audit row's record of held operations settled.
type heldSettled struct {
	Count      int         `json:"count"`
	Operations []heldEntry `json:"operations"`
}

func heldState(ops []*roster.HeldOperation) heldSettled {
	st := heldSettled{Count: len(ops)}
	for _, o := range ops[:min(len(ops), heldAudited)] {
		st.Operations = append(st.Operations, heldEntry{ID: o.ID, Kind: o.Kind, UserID: o.UserID, UserName: o.UserName})
	}
	return st
}
