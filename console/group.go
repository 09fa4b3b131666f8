package console

import (
	"html/template"
	"net/http"

	"github.com/rosterhq/roster"
)

// groupsView is a tenant's groups page.
type groupsView struct {
	Search string
	Groups []*roster.Group
	// Next is the URL of the next page, "" on the last one.
	Next template.URL
}

func (s *Server) handleGroups(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := groupsView{Search: trimSearch(q.Get("q"))}
	gs, err := s.store.GroupPage(r.Context(), t.ID, roster.GroupPageQuery{
		Search: v.Search, AfterName: q.Get("after"), AfterID: q.Get("after_id"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(gs) > pageSize {
		gs = gs[:pageSize]
		v.Next = nextGroupPage(r, gs[len(gs)-1])
	}
	v.Groups = gs
	return s.render(w, r, http.StatusOK, "groups", page{Title: "Groups", Tenant: t, Tab: "groups", Data: v})
}

// nextGroupPage is the URL of the groups page after g: keyed by its name and
// its id, as names may repeat.
func nextGroupPage(r *http.Request, g *roster.Group) template.URL {
	q := r.URL.Query()
	q.Set("after", g.DisplayName)
	q.Set("after_id", g.ID)
	return template.URL(r.URL.Path + "?" + q.Encode())
}

// groupView is a group's page.
type groupView struct {
	Group   *roster.Group
	Members []roster.Member
	// Next is the URL of the next page of members, "" on the last one.
	Next template.URL
}

func (s *Server) handleGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := s.store.Tenant(ctx, r.PathValue("tenant"))
	if err != nil {
		return err
	}
	g, err := s.store.Group(ctx, t.ID, r.PathValue("group"), true)
	if err != nil {
		return err
	}
	v := groupView{Group: g}
	ms, err := s.store.GroupMembers(ctx, t.ID, g.ID, r.URL.Query().Get("after"), pageSize+1)
	if err != nil {
		return err
	}
	if len(ms) > pageSize {
		ms = ms[:pageSize]
		v.Next = nextPage(r, "after", ms[len(ms)-1].ID)
	}
	v.Members = ms
	return s.render(w, r, http.StatusOK, "group", page{Title: g.DisplayName, Tenant: t, Tab: "groups", Data: v})
}
