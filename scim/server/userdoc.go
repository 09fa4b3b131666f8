package server

import (
	"iter"
	"net/http"
	"slices"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
	"github.com/rosterhq/roster/policy"
)

// userText is a response of one user from the stored text of its document,
// appended to writeJSON's buffer.
type userText struct {
	s    *Server
	r    *http.Request
	u    *roster.User
	doc  []byte
	base string
}

func (t *userText) appendJSON(b []byte) ([]byte, error) {
	return t.s.appendUser(b, t.r, t.u, t.doc, t.base)
}

// userTexts is a ListResponse of users from the stored texts of their
// documents, appended to writeJSON's buffer.
type userTexts struct {
	s     *Server
	r     *http.Request
	res   *listResponse
	users []*roster.User
	docs  [][]byte
	base  string
}

func (l *userTexts) appendJSON(b []byte) ([]byte, error) {
	b = l.res.appendHead(b, len(l.users))
	for i, u := range l.users {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = l.s.appendUser(b, l.r, u, l.docs[i], l.base); err != nil {
			return b, err
		}
	}
	return append(b, "]}"...), nil
}

// handleUserGetDoc answers a GET of a user without a projection from the
// stored text of its document (roster.UserStore.UserDoc), which it writes
// out as it is (appendUserDoc) instead of decoding it and encoding it again.
func (s *Server) handleUserGetDoc(w http.ResponseWriter, r *http.Request, tenantID string) {
	u, doc, err := s.store.UserDoc(r.Context(), tenantID, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if answeredNotModified(w, r, u.Version) {
		return
	}
	w.Header().Set("ETag", etag(u.Version))
	s.writeJSON(w, http.StatusOK, &userText{s, r, u, doc, s.baseURL(r)})
}

// listUsersDoc answers a list or search of users without a projection from
// the stored texts of their documents (roster.UserStore.UserDocs).
func (s *Server) listUsersDoc(w http.ResponseWriter, r *http.Request, tenantID string, q roster.Query) {
	users, docs, total, err := s.store.UserDocs(r.Context(), tenantID, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, n := pageOf(q, total, len(users), func(i int) string { return roster.EncodeCursor(users[i].Created, users[i].ID) })
	s.writeJSON(w, http.StatusOK, &userTexts{s, r, res, users[:n], docs[:n], s.baseURL(r)})
}

// appendUser appends the user's SCIM representation, unprojected, from the
// stored text of its document: as appendUserDoc writes it when it can, or
// decoded and rendered as userDoc does.
func (s *Server) appendUser(b []byte, r *http.Request, u *roster.User, doc []byte, base string) ([]byte, error) {
	if doc != nil {
		if out, ok := s.appendUserDoc(b, r, u, doc, base); ok {
			return out, nil
		}
		var err error
		if u.Doc, err = jsonenc.DecodeObject(doc); err != nil {
			return b, err
		}
		if u.Doc == nil {
			u.Doc = map[string]any{}
		}
	}
	return jsonenc.AppendValue(b, s.project(r, userType, s.userDoc(r, u, base), listParams{}))
}

// userDocKeys are the members s.userDoc adds to a stored document or
// changes in it, in encoding/json's order (the groups only when the user has
// some).
var userDocKeys = slices.Sorted(slices.Values([]string{"groups", "id", "meta", "schemas", policy.URN, policy.SignInURN}))

// appendUserDoc appends what s.userDoc, projected without a selection and
// encoded, makes of u and the stored text of its document, doc: the
// document's members as they are, with id, meta, groups and Roster's two
// extensions spliced in and schemas extended, all in encoding/json's key
// order. It reports false, having appended nothing, for a user it cannot
// render so: values from its IdP over the document, a policy that reads the
// document for folders, a text not as jsonenc writes it (keys out of order)
// or with a member the tenant's schemas would project (Registry.Unchanged).
func (s *Server) appendUserDoc(b []byte, r *http.Request, u *roster.User, doc []byte, base string) ([]byte, bool) {
	cfg := configOf(r.Context())
	if len(u.IdP) > 0 || cfg.policy.ReadsDoc() {
		return b, false
	}
	reg := s.registryOf(r)
	added := map[string]any{
		"id":             u.ID,
		"meta":           meta(userType, base+"/Users/"+u.ID, u.Created, u.Modified, u.Version),
		policy.URN:       cfg.policy.Extension(u, cfg.folders),
		policy.SignInURN: policy.SignInExtension(u),
	}
	if len(u.Groups) > 0 {
		groups := make([]any, len(u.Groups))
		for i, g := range u.Groups {
			groups[i] = map[string]any{"value": g.ID, "display": g.DisplayName, "$ref": base + "/Groups/" + g.ID, "type": "direct"}
		}
		added["groups"] = groups
	}
	projected := reg.Project(userType, added, nil, nil)
	for k := range added {
		if _, kept := projected[k]; !kept {
			return b, false
		}
	}
	added = projected
	start := len(b)
	b = append(b, '{')
	next := 0 // userDocKeys[next:] are not yet written
	var (
		prev       string // the last key written
		wrote, ok  = false, true
		sawSchemas bool
	)
	write := func(key string, text []byte, v any) {
		if wrote {
			b = append(b, ',')
		}
		wrote, prev = true, key
		b = append(jsonenc.AppendString(b, key), ':')
		if text != nil {
			b = append(b, text...)
			return
		}
		var err error
		if b, err = jsonenc.AppendValue(b, v); err != nil {
			ok = false
		}
	}
	// addUpTo writes the added members whose keys sort before key, or all
	// that are left.
	addUpTo := func(key string, all bool) {
		for ; next < len(userDocKeys) && (all || userDocKeys[next] < key); next++ {
			if v, in := added[userDocKeys[next]]; in {
				write(userDocKeys[next], nil, v)
			}
		}
	}
	members := jsonenc.Members(doc, func(k, text []byte) bool {
		key := string(k)
		keys, readable := objectKeys(text)
		if wrote && key <= prev || !readable || !reg.Unchanged(userType, key, keys) {
			return false
		}
		addUpTo(key, false)
		if next == len(userDocKeys) || userDocKeys[next] != key {
			write(key, text, nil)
			return ok
		}
		next++
		if key == "schemas" {
			sawSchemas = true
			return s.writeSchemas(write, text)
		}
		if v, in := added[key]; in {
			write(key, nil, v)
		} else {
			write(key, text, nil) // groups, when the user has none
		}
		return ok
	})
	if !members || !sawSchemas || !ok {
		return b[:start], false
	}
	addUpTo("", true)
	return append(b, '}'), ok
}

// writeSchemas writes the document's schemas with Roster's two extensions,
// as userDoc extends them.
func (s *Server) writeSchemas(write func(key string, text []byte, v any), text []byte) bool {
	v, err := jsonenc.Decode(text)
	schemas, isList := v.([]any)
	if err != nil || !isList {
		return false
	}
	schemas = append(schemas, policy.URN)
	if !slices.Contains(schemas, any(policy.SignInURN)) {
		schemas = append(schemas, policy.SignInURN)
	}
	write("schemas", nil, schemas)
	return true
}

// objectKeys returns what yields the keys of text when it is an object, nil
// when it is not, and false when it is an object Members cannot read.
func objectKeys(text []byte) (iter.Seq[string], bool) {
	if len(text) == 0 || text[0] != '{' {
		return nil, true
	}
	if !jsonenc.Members(text, func(_, _ []byte) bool { return true }) {
		return nil, false
	}
	return func(yield func(string) bool) {
		jsonenc.Members(text, func(k, _ []byte) bool { return yield(string(k)) })
	}, true
}
