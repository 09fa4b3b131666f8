package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/scim/filter"
)

// The read API's resources are the client package's types, its wire format.
type (
	User     = client.User
	Email    = client.Email
	GroupRef = client.GroupRef
	Group    = client.Group
	Member   = client.Member
)

// page is the body of a list.
type page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newUser(tenantID string, u *roster.User) *User {
	au := &User{ID: u.ID, Tenant: tenantID, UserName: u.UserName, ExternalID: u.ExternalID, DisplayName: u.DisplayName,
		Active: u.Active, Emails: []Email{}, Groups: []GroupRef{}, Version: u.Version, Created: u.Created, Modified: u.Modified, SCIM: u.Doc}
	for _, e := range u.Emails {
		au.Emails = append(au.Emails, Email(e))
	}
	for _, g := range u.Groups {
		au.Groups = append(au.Groups, GroupRef(g))
	}
	return au
}

func newGroup(tenantID string, g *roster.Group) *Group {
	return &Group{ID: g.ID, Tenant: tenantID, DisplayName: g.DisplayName, ExternalID: g.ExternalID,
		Version: g.Version, Created: g.Created, Modified: g.Modified, SCIM: g.Doc}
}

// resolve describes the attributes the read API filters on.
func resolve(p filter.AttrPath) (filter.Attr, bool) {
	switch strings.ToLower(p.Name) {
	case "id", "externalid":
		return filter.Attr{Type: filter.String, CaseExact: true}, true
	case "active":
		return filter.Attr{Type: filter.Boolean}, true
	case "emails":
		if p.Sub == "" {
			return filter.Attr{Type: filter.Complex, MultiValued: true}, true
		}
		return filter.Attr{Type: filter.String, MultiValued: true}, true
	case "meta":
		return filter.Attr{Type: filter.DateTime}, true
	}
	return filter.Attr{}, false
}

// listQuery builds the store query of a list: the filters of the parameters
// (names in allowed), the page after the cursor, and the limit.
func listQuery(r *http.Request, allowed ...string) (roster.Query, error) {
	v := r.URL.Query()
	var terms []string
	for _, name := range allowed {
		val := v.Get(name)
		if val == "" {
			continue
		}
		switch name {
		case "active":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return roster.Query{}, roster.Errorf(roster.EINVALID, "active: want true or false, got %q", val)
			}
			terms = append(terms, fmt.Sprintf("active eq %t", b))
		case "email":
			terms = append(terms, "emails.value eq "+strconv.Quote(val))
		case "externalId":
			terms = append(terms, "externalId eq "+strconv.Quote(val))
		}
	}
	q := roster.Query{Resolve: resolve, StartIndex: 1, Count: 100, WithoutMembers: true}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return q, roster.Errorf(roster.EINVALID, "limit: want 1 to 1000, got %q", l)
		}
		q.Count = n
	}
	if c := v.Get("cursor"); c != "" {
		created, id, err := decodeCursor(c)
		if err != nil {
			return q, err
		}
		at := strconv.Quote(created.Format(time.RFC3339Nano))
		terms = append(terms, fmt.Sprintf("(meta.created gt %s or (meta.created eq %s and id gt %s))", at, at, strconv.Quote(id)))
	}
	if len(terms) > 0 {
		e, err := filter.Parse(strings.Join(terms, " and "))
		if err != nil {
			return q, roster.Errorf(roster.EINVALID, "bad parameters: %v", err)
		}
		q.Filter = e
	}
	return q, nil
}

// encodeCursor returns the cursor of the page after a resource created at created with id.
func encodeCursor(created time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(created.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	bad := roster.Errorf(roster.EINVALID, "cursor: %q is not a cursor of this list (use next_cursor as it is)", c)
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return t, id, nil
}

// users serves GET /users?tenant=T&active=&email=&externalId=&cursor=&limit=.
func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	listPage(s, w, r, []string{"active", "email", "externalId"}, s.store.Users,
		func(u *roster.User) (time.Time, string) { return u.Created, u.ID }, newUser)
}

// listPage serves one cursor page of a tenant's resources: the parameters
// named in filters, the store's list, and each resource in the API's form.
func listPage[R, T any](s *Server, w http.ResponseWriter, r *http.Request, filters []string,
	list func(context.Context, string, roster.Query) ([]R, int, error),
	key func(R) (time.Time, string), form func(string, R) T) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := listQuery(r, filters...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, _, err := list(r.Context(), tenantID, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := page[T]{Data: make([]T, 0, len(rs))}
	for _, res := range rs {
		p.Data = append(p.Data, form(tenantID, res))
	}
	if len(rs) == q.Count {
		p.NextCursor = encodeCursor(key(rs[len(rs)-1]))
	}
	writeJSON(w, http.StatusOK, p)
}

// user serves GET /users/{id}?tenant=T.
func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.store.User(r.Context(), tenantID, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newUser(tenantID, u))
}

// userGroups serves GET /users/{id}/groups?tenant=T: the groups the user belongs to directly.
func (s *Server) userGroups(w http.ResponseWriter, r *http.Request) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.store.User(r.Context(), tenantID, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[GroupRef]{Data: newUser(tenantID, u).Groups})
}

// groups serves GET /groups?tenant=T&externalId=&cursor=&limit=.
func (s *Server) groups(w http.ResponseWriter, r *http.Request) {
	listPage(s, w, r, []string{"externalId"}, s.store.Groups,
		func(g *roster.Group) (time.Time, string) { return g.Created, g.ID }, newGroup)
}

// group serves GET /groups/{id}?tenant=T.
func (s *Server) group(w http.ResponseWriter, r *http.Request) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.store.Group(r.Context(), tenantID, r.PathValue("id"), true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newGroup(tenantID, g))
}

// groupMembers serves GET /groups/{id}/members?tenant=T&cursor=&limit=, ordered by member id.
func (s *Server) groupMembers(w http.ResponseWriter, r *http.Request) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := r.URL.Query()
	limit := 100
	if l := v.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 1000 {
			s.writeError(w, r, roster.Errorf(roster.EINVALID, "limit: want 1 to 1000, got %q", l))
			return
		}
	}
	g, err := s.store.Group(r.Context(), tenantID, r.PathValue("id"), false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Members come ordered by id; the cursor is the last id of the previous page.
	after := v.Get("cursor")
	p := page[Member]{Data: []Member{}}
	for _, m := range g.Members {
		if after != "" && m.ID <= after {
			continue
		}
		if len(p.Data) == limit {
			p.NextCursor = p.Data[len(p.Data)-1].ID
			break
		}
		p.Data = append(p.Data, Member(m))
	}
	writeJSON(w, http.StatusOK, p)
}
