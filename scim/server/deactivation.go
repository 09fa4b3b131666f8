package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/scim/patch"
)

// Taking access away is the write that matters most: a PUT or PATCH that sets
// active false is never refused for its other attributes. When the schema, the
// tenant's policy or a uniqueness refuses the write as sent, only the
// deactivation is applied, and the provisioning log's row says what was not.

// refusable are the codes of a refusal for the content of a write, which a
// deactivation goes through despite.
var refusable = map[string]bool{
	roster.EINVALID: true, roster.EINVALIDSYNTAX: true, roster.EINVALIDPATH: true,
	roster.ENOTARGET: true, roster.EMUTABILITY: true, roster.ECONFLICT: true,
}

// isFalse reports whether v is SCIM false: the boolean, or the string Entra
// ID sends ("False", in any case).
func isFalse(v any) bool {
	switch v := v.(type) {
	case bool:
		return !v
	case string:
		return strings.EqualFold(strings.TrimSpace(v), "false")
	}
	return false
}

// putDeactivates reports whether a PUT's body sets active false.
func putDeactivates(in map[string]any) bool {
	for k, v := range in {
		if strings.EqualFold(k, "active") {
			return isFalse(v)
		}
	}
	return false
}

// patchDeactivates reports whether the last of ops to set active sets it
// false: a replace or add at path "active", or of an object holding it.
func patchDeactivates(ops []patch.Operation) bool {
	state := true
	for _, op := range ops {
		kind := strings.ToLower(op.Op)
		if kind != "replace" && kind != "add" {
			continue
		}
		var v any
		if json.Unmarshal(op.Value, &v) != nil {
			continue
		}
		if strings.EqualFold(strings.TrimPrefix(op.Path, "urn:ietf:params:scim:schemas:core:2.0:User:"), "active") {
			state = !isFalse(v)
			continue
		}
		if m, ok := v.(map[string]any); ok && op.Path == "" && putDeactivates(m) {
			state = false
		} else if ok && op.Path == "" && hasKey(m, "active") {
			state = true
		}
	}
	return !state
}

func hasKey(m map[string]any, key string) bool {
	for k := range m {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// writeUser stores u over old at version. When building u failed (built) or
// storing it conflicts, and the write deactivates the user, it applies only
// the deactivation instead.
func (s *Server) writeUser(r *http.Request, tenantID string, old, u *roster.User, built error, deactivates bool, version int64) (*roster.User, error) {
	if built != nil {
		built = asRoster(built)
		if !deactivates || !refusable[roster.ErrorCode(built)] {
			return nil, built
		}
		return s.writeDeactivation(r, tenantID, old, built, version)
	}
	err := s.storeUser(r, tenantID, u, version)
	if err != nil && deactivates && roster.ErrorCode(err) == roster.ECONFLICT {
		return s.writeDeactivation(r, tenantID, old, s.explainConflict(r, tenantID, u, err), version)
	}
	return u, err
}

// storeUser stores u at version under the tenant's deprovisioning guard: a
// deactivation past its limit is held, and the log's row says so.
func (s *Server) storeUser(r *http.Request, tenantID string, u *roster.User, version int64) error {
	held, err := s.store.ReplaceUserGuarded(r.Context(), tenantID, u, version, configOf(r.Context()).policy.Guard())
	if held {
		noteHeld(r)
	}
	return err
}

// noteHeld records on the request's row that the tenant's deprovisioning
// guard held the deactivation or delete: access is gone, its event waits.
func noteHeld(r *http.Request) {
	if op := opOf(r.Context()); op != nil {
		op.entry.Reason = "deprovision_held"
	}
}

// writeDeactivation stores old with active false and nothing else changed,
// noting on the log's row why the rest of the write was not applied.
func (s *Server) writeDeactivation(r *http.Request, tenantID string, old *roster.User, refused error, version int64) (*roster.User, error) {
	noteDeactivatedOnly(r, old, refused)
	if !old.Active {
		return old, nil // nothing to apply
	}
	cfg := configOf(r.Context())
	doc := maps.Clone(old.Doc)
	doc["active"] = false
	// Only active changes: the policy's checks, which apply to what a write
	// changes, have nothing to refuse.
	o, err := cfg.policy.Change(old.Doc, doc, cfg.folders)
	if err != nil {
		return nil, err
	}
	u := userFrom(old.ID, doc)
	u.LoginMethod, u.IdP = old.LoginMethod, old.IdP
	u.Entitlements, u.Unique = o.Entitlements, o.Unique
	err = s.storeUser(r, tenantID, u, version)
	if roster.ErrorCode(err) == roster.ECONFLICT {
		// A value a newer policy made unique is another user's: this user
		// never held it, and deactivating it claims nothing.
		u.Unique = nil
		err = s.storeUser(r, tenantID, u, version)
	}
	return u, err
}

// noteDeactivatedOnly records on the request's row that the write deactivated
// the user and that the rest of it was refused, and why.
func noteDeactivatedOnly(r *http.Request, old *roster.User, refused error) {
	op := opOf(r.Context())
	if op == nil {
		return
	}
	op.entry.Reason = "deactivated_only"
	op.entry.Action = "deactivate"
	changes := map[string]any{
		"active":      map[string]any{"old": old.Active, "new": false},
		"_notApplied": map[string]any{"reason": provlog.ReasonOf(refused), "detail": roster.ErrorDetail(refused)},
	}
	if b, err := json.Marshal(changes); err == nil {
		op.entry.Changes = b
	}
}
