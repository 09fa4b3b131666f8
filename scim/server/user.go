package server

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
	"github.com/rosterhq/roster/scim/schema"
)

// writeRetries bounds how often a PATCH or PUT without If-Match is re-applied
// when a concurrent write changed the resource between read and write.
const writeRetries = 5

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, in, err := s.readResource(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, err := s.normalize(r, userType, in, nil, schema.Create)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fillActive(doc, true)
	u, err := s.userFromDoc(r, nil, doc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteChange(r, nil, doc, nil, nil)
	err = s.store.CreateUser(r.Context(), tenant, u)
	if err != nil {
		u, err = s.adopt(r, tenant, u, in, err)
	}
	if err != nil {
		s.writeError(w, r, s.explainConflict(r, tenant, u, err))
		return
	}
	noteCreated(r, u.ID)
	base := s.baseURL(r)
	s.writeResource(w, http.StatusCreated, s.project(r, userType, s.userDoc(r, u, base), p), u.Version, base+"/Users/"+u.ID)
}

// adopt answers a POST whose userName a user the host app created holds,
// not yet adopted (roster.User.AwaitingAdoption): the IdP creates the user
// the app already had, so the POST adopts it, as a PUT of its body would,
// rather than failing with 409. created is the user the POST made, and
// failed its create's error, which adopt returns for any other user.
func (s *Server) adopt(r *http.Request, tenantID string, created *roster.User, in map[string]any, failed error) (*roster.User, error) {
	var e *roster.Error
	if !errors.As(failed, &e) || e.Code != roster.ECONFLICT || e.Attr != "userName" {
		return created, failed
	}
	q := roster.Query{Filter: &filter.Compare{Attr: filter.AttrPath{Name: "userName"}, Op: filter.Eq,
		Value: filter.Value{Kind: filter.KindString, Text: created.UserName}}, Resolve: s.resolver(r, userType), StartIndex: 1, Count: 1}
	holders, _, err := s.store.Users(r.Context(), tenantID, q)
	if err != nil || len(holders) == 0 || !holders[0].AwaitingAdoption {
		return created, failed
	}
	noteAction(r, "adopt")
	return s.rewriteUser(r, tenantID, holders[0].ID, false, func(old *roster.User) (*roster.User, error) {
		if !old.AwaitingAdoption {
			return nil, failed // adopted meanwhile: the POST is a twin
		}
		return s.replacedUser(r, old, in)
	})
}

func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, err := s.queryParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.whole() {
		s.handleUserGetDoc(w, r, tenant)
		return
	}
	u, err := s.store.User(r.Context(), tenant, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if answeredNotModified(w, r, u.Version) {
		return
	}
	s.writeResource(w, http.StatusOK, s.project(r, userType, s.userDoc(r, u, s.baseURL(r)), p), u.Version, "")
}

// listUsers answers a list or search of users.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p listParams) {
	tenant := tenantOf(r.Context())
	q, err := s.query(r, userType, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.whole() {
		s.listUsersDoc(w, r, tenant, q)
		return
	}
	users, total, err := s.store.Users(r.Context(), tenant, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := s.baseURL(r)
	docs := make([]map[string]any, len(users))
	for i, u := range users {
		docs[i] = s.project(r, userType, s.userDoc(r, u, base), p)
	}
	s.writeList(w, q, total, docs, func(i int) string { return roster.EncodeCursor(users[i].Created, users[i].ID) })
}

func (s *Server) handleUserReplace(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, in, err := s.readResource(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.replaceUser(r, tenant, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, s.explainConflict(r, tenant, u, err))
		return
	}
	s.writeResource(w, http.StatusOK, s.project(r, userType, s.userDoc(r, u, s.baseURL(r)), p), u.Version, "")
}

// replaceUser writes in over the stored user (see rewriteUser).
func (s *Server) replaceUser(r *http.Request, tenantID, id string, in map[string]any) (*roster.User, error) {
	return s.rewriteUser(r, tenantID, id, putDeactivates(in), func(old *roster.User) (*roster.User, error) {
		return s.replacedUser(r, old, in)
	})
}

// rewriteUser reads the stored user, makes the new one of it with next and
// writes it at the version read (writeUser). When a concurrent write
// intervened and the client sent no If-Match, it reads and makes it again: 412
// is the answer to a failed If-Match only.
func (s *Server) rewriteUser(r *http.Request, tenantID, id string, deactivates bool, next func(old *roster.User) (*roster.User, error)) (*roster.User, error) {
	want := ifMatch(r)
	for try := 0; ; try++ {
		old, err := s.store.User(r.Context(), tenantID, id)
		if err != nil {
			return nil, err
		}
		u, err := next(old)
		u, err = s.writeUser(r, tenantID, old, u, err, deactivates, cmp.Or(want, old.Version))
		if want == 0 && try < writeRetries && roster.ErrorCode(err) == roster.EPRECONDITION {
			continue
		}
		return u, err
	}
}

// replacedUser returns the user a PUT's body makes of old.
func (s *Server) replacedUser(r *http.Request, old *roster.User, in map[string]any) (*roster.User, error) {
	doc, err := s.normalize(r, userType, in, old.Doc, schema.Replace)
	if err != nil {
		return nil, err
	}
	fillActive(doc, old.Active)
	u, err := s.userFromDoc(r, old, doc)
	if err != nil {
		return nil, err
	}
	noteChange(r, old.Doc, doc, &old.Active, &u.Active)
	return u, nil
}

// fillActive gives a body that leaves active out (or sends it null) the
// value current: true for a POST, the stored user's for a PUT, so that every
// user reads with its status. A PUT replaces the resource (RFC 7644 §3.5.1),
// but an omitted active is no decision about access: Okta pushes profile
// updates as the whole user and may map no status, OneLogin's Core User Schema
// template has none, and reading the omission as the default would reactivate
// a deactivated user. Only a write that names active changes it.
func fillActive(doc map[string]any, current bool) {
	if _, ok := doc["active"]; !ok {
		doc["active"] = current
	}
}

func (s *Server) handleUserPatch(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, ops, err := s.readPatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.patchUser(r, tenant, r.PathValue("id"), ops)
	if err != nil {
		s.writeError(w, r, s.explainConflict(r, tenant, u, err))
		return
	}
	s.writeResource(w, http.StatusOK, s.project(r, userType, s.userDoc(r, u, s.baseURL(r)), p), u.Version, "")
}

// patchUser applies ops to the stored user and writes the result (see rewriteUser).
func (s *Server) patchUser(r *http.Request, tenantID, id string, ops []patch.Operation) (*roster.User, error) {
	return s.rewriteUser(r, tenantID, id, patchDeactivates(ops), func(old *roster.User) (*roster.User, error) {
		return s.patchedUser(r, old, ops)
	})
}

// patchedUser returns the user ops make of old.
func (s *Server) patchedUser(r *http.Request, old *roster.User, ops []patch.Operation) (*roster.User, error) {
	doc, err := patch.Apply(withSignIn(old), ops, s.patchOptions(r, userType))
	if err != nil {
		return nil, err
	}
	doc, err = s.normalize(r, userType, doc, old.Doc, schema.Patched)
	if err != nil {
		return nil, err
	}
	u, err := s.userFromDoc(r, old, doc)
	if err != nil {
		return nil, err
	}
	if u.LoginMethod == "" {
		u.LoginMethod = roster.LoginMethodIdP // the PATCH removed it: back to the default
	}
	noteChange(r, old.Doc, doc, &old.Active, &u.Active)
	return u, nil
}

// withSignIn returns a copy of the user's document as its IdP sees it
// (policy.View), with its id and its sign-in extension, which PATCH
// operations may target.
func withSignIn(u *roster.User) map[string]any {
	doc := withID(policy.View(u), u.ID)
	doc[policy.SignInURN] = policy.SignInExtension(u)
	return doc
}

// withID returns a copy of a stored document with the resource's id, which
// the store keeps beside it: a PATCH that echoes the id, as Okta's group
// rename does ({"op":"replace","value":{"id":…,"displayName":…}}), leaves it
// as it was and is accepted, and one naming another id changes a readOnly
// attribute and is refused (RFC 7644 §3.5.2). Normalize drops the id again.
func withID(stored map[string]any, id string) map[string]any {
	doc := make(map[string]any, len(stored)+2)
	for k, v := range stored {
		doc[k] = v
	}
	doc["id"] = id
	return doc
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p := configOf(r.Context()).policy
	if p.SyncCreateOnly() {
		s.acknowledgeDelete(w, r, tenant)
		return
	}
	held, err := s.store.DeleteUserGuarded(r.Context(), tenant, r.PathValue("id"), ifMatch(r), p.Retire(), p.Guard())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if held {
		noteHeld(r)
	}
	w.WriteHeader(http.StatusNoContent)
}

// acknowledgeDelete answers a DELETE under "sync": "create-only": the user
// stays as it is, and the log's row says why.
func (s *Server) acknowledgeDelete(w http.ResponseWriter, r *http.Request, tenantID string) {
	if _, err := s.store.User(r.Context(), tenantID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	if op := opOf(r.Context()); op != nil {
		op.entry.Reason = "sync_create_only"
	}
	w.WriteHeader(http.StatusNoContent)
}

// project applies the request's attributes and excludedAttributes to a document.
func (s *Server) project(r *http.Request, resourceType string, doc map[string]any, p listParams) map[string]any {
	return s.registryOf(r).Project(resourceType, doc, p.Attributes, p.Excluded)
}

// explainConflict names, in a userName conflict, the user who holds the
// userName: its id and externalId, which an IdP admin needs to decide whether
// both are the same person.
func (s *Server) explainConflict(r *http.Request, tenantID string, u *roster.User, err error) error {
	var e *roster.Error
	if u == nil || !errors.As(err, &e) || e.Code != roster.ECONFLICT {
		return err
	}
	if e.Attr != "userName" {
		return s.explainUnique(r, tenantID, u, e)
	}
	q := roster.Query{Filter: &filter.Compare{Attr: filter.AttrPath{Name: "userName"}, Op: filter.Eq,
		Value: filter.Value{Kind: filter.KindString, Text: u.UserName}}, Resolve: s.resolver(r, userType), StartIndex: 1, Count: 1}
	holders, _, lerr := s.store.Users(r.Context(), tenantID, q)
	if lerr != nil || len(holders) == 0 {
		return err
	}
	h := holders[0]
	ext := h.ExternalID
	if ext == "" {
		ext = "none"
	}
	return &roster.Error{Code: e.Code, Attr: e.Attr, Reason: "username_taken", Detail: fmt.Sprintf(
		"userName %q is already taken by user %s (externalId %s)", u.UserName, h.ID, ext)}
}

// explainUnique names, in a conflict on a value the tenant's policy makes
// unique, the user who holds the value.
func (s *Server) explainUnique(r *http.Request, tenantID string, u *roster.User, e *roster.Error) error {
	value, ok := u.Unique[e.Attr]
	if !ok {
		return e
	}
	path, perr := filter.ParsePath(e.Attr)
	if perr != nil {
		return e
	}
	eq := &filter.Compare{Attr: path.Attr, Op: filter.Eq, Value: filter.Value{Kind: filter.KindString, Text: value}}
	var f filter.Expr = eq
	if path.Filter != nil {
		eq.Attr = filter.AttrPath{Name: path.Sub}
		f = &filter.ValuePath{Attr: path.Attr, Filter: &filter.Logical{Op: filter.And, Left: path.Filter, Right: eq}}
	}
	q := roster.Query{Filter: f, Resolve: s.resolver(r, userType), Canonical: s.canonical(r, userType), StartIndex: 1, Count: 2}
	holders, _, lerr := s.store.Users(r.Context(), tenantID, q)
	for _, h := range holders {
		if h.ID == u.ID {
			continue
		}
		ext := cmp.Or(h.ExternalID, "none")
		return &roster.Error{Code: e.Code, Attr: e.Attr, Reason: "value_taken", Detail: fmt.Sprintf(
			"%s %q is already taken by user %s (userName %s, externalId %s): this tenant's policy makes it unique", e.Attr, value, h.ID, h.UserName, ext)}
	}
	if lerr != nil {
		s.log.Warn("explain a uniqueness conflict", "err", lerr)
	}
	return &roster.Error{Code: e.Code, Attr: e.Attr, Reason: "value_taken", Detail: e.Detail}
}
