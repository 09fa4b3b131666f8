package api

import (
	"context"
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
	Drift    = client.Drift
)

// page is the body of a list.
type page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newUser(tenantID string, u *roster.User) *User {
	au := &User{ID: u.ID, Tenant: tenantID, UserName: u.UserName, ExternalID: u.ExternalID, DisplayName: u.DisplayName,
		Active: u.Active, Emails: []Email{}, Groups: []GroupRef{}, Version: u.Version, Created: u.Created, Modified: u.Modified, SCIM: u.Doc,
		App: client.Entitlements(u.Entitlements), AwaitingAdoption: u.AwaitingAdoption, IdP: u.IdP}
	if !u.Retired.IsZero() {
		t := u.Retired
		au.Retired = &t
	}
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
func listQuery(r *http.Request, allowed ...string) (q roster.Query, limit int, err error) {
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
				return roster.Query{}, 0, roster.Errorf(roster.EINVALID, "active: want true or false, got %q", val)
			}
			terms = append(terms, fmt.Sprintf("active eq %t", b))
		case "email":
			terms = append(terms, "emails.value eq "+strconv.Quote(val))
		case "externalId":
			terms = append(terms, "externalId eq "+strconv.Quote(val))
		}
	}
	if limit, err = limitParam(v); err != nil {
		return roster.Query{}, 0, err
	}
	q = roster.Query{Resolve: resolve, WithoutMembers: true}
	if len(terms) > 0 {
		e, err := filter.Parse(strings.Join(terms, " and "))
		if err != nil {
			return q, 0, roster.Errorf(roster.EINVALID, "bad parameters: %v", err)
		}
		q.Filter = e
	}
	q, err = roster.CursorPage(q, v.Get("cursor"), limit)
	return q, limit, err
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
	q, limit, err := listQuery(r, filters...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, _, err := list(r.Context(), tenantID, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The page read one resource more than it shows when another follows.
	more := len(rs) > limit
	if more {
		rs = rs[:limit]
	}
	p := page[T]{Data: make([]T, 0, len(rs))}
	for _, res := range rs {
		p.Data = append(p.Data, form(tenantID, res))
	}
	if more {
		p.NextCursor = roster.EncodeCursor(key(rs[len(rs)-1]))
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
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		u, err = s.retiredUser(r.Context(), tenantID, r.PathValue("id"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newUser(tenantID, u))
}

// retiredUser finds a user a DELETE retired (the policy's "keep as
// deactivated"): gone for SCIM, still known to the app. ENOTFOUND otherwise.
func (s *Server) retiredUser(ctx context.Context, tenantID, id string) (*roster.User, error) {
	q := roster.Query{Filter: &filter.Compare{Attr: filter.AttrPath{Name: "id"}, Op: filter.Eq, Value: filter.Value{Kind: filter.KindString, Text: id}},
		Resolve: resolve, StartIndex: 1, Count: 1, Retired: true}
	us, _, err := s.store.Users(ctx, tenantID, q)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 || us[0].Retired.IsZero() {
		return nil, roster.Errorf(roster.ENOTFOUND, "no user %q in this tenant", id)
	}
	return us[0], nil
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
	limit, err := limitParam(v)
	if err != nil {
		s.writeError(w, r, err)
		return
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
