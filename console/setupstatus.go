package console

import (
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/provlog"
)

// The status step of the setup pages: how provisioning goes (any scope),
// with the log scope the tenant's provisioning log, users and groups, read
// only, and with the held scope how many changes the tenant's
// deprovisioning guard holds.

// statusFailures is how many recent failed requests the status page shows.
const statusFailures = 10

// statusWindow is the span of the status page's request counts.
const statusWindow = 24 * time.Hour

// setupStatusView is the status page.
type setupStatusView struct {
	// LastSync is the tenant's newest successful SCIM request (nil: none).
	LastSync *logRow
	Stats    roster.TenantStats
	// Failures are the newest failed requests: the tenant's, and those
	// refused with one of its tokens before Roster knew the tenant.
	Failures []statusFailure
	// Held counts the operations the tenant's deprovisioning guard holds,
	// read with the held scope only (0 without).
	Held int
}

// statusFailure is a failed request of the status page; Linked says whether
// the tenant's log has its page (the refusals logged without a tenant have none).
type statusFailure struct {
	logRow
	Request string
	Linked  bool
}

func (s *Server) handleSetupStatus(w http.ResponseWriter, r *http.Request) error {
	ctx, t := r.Context(), setupOf(r).tenant
	var v setupStatusView
	last, err := s.store.Log(ctx, roster.LogQuery{TenantID: t.ID, SCIM: true, StatusClass: 2, Limit: 1})
	if err != nil {
		return err
	}
	if len(last) > 0 {
		v.LastSync = &logRow{provlog.NewRow(last[0])}
	}
	stats, err := s.store.TenantStats(ctx, []string{t.ID}, s.opts.Now().Add(-statusWindow))
	if err != nil {
		return err
	}
	v.Stats = stats[t.ID]
	_, toks, err := s.admin.Tokens(ctx, t.ID)
	if err != nil {
		return err
	}
	es, err := s.recentFailures(ctx, t, toks, statusFailures)
	if err != nil {
		return err
	}
	for _, e := range es {
		v.Failures = append(v.Failures, statusFailure{logRow: logRow{provlog.NewRow(e)}, Request: requestOf(e), Linked: e.TenantID == t.ID})
	}
	if setupOf(r).link.Allows(roster.SetupScopeHeld) {
		if v.Held, err = s.store.CountHeld(ctx, t.ID); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "setup-status", page{Title: "Provisioning status", Tab: "status", Data: v})
}

// setupLogView is the tenant's provisioning log, for the customer.
type setupLogView struct {
	Filter  logFilter
	Rows    []logRow
	Next    template.URL
	Reasons []provlog.Reason
}

// handleSetupLog shows the tenant's provisioning log a page at a time,
// newest first (a user's timeline oldest first), as the console's log page
// reads it.
func (s *Server) handleSetupLog(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeLog); err != nil {
		return err
	}
	t := setupOf(r).tenant
	v := setupLogView{Filter: readLogFilter(r.URL.Query()), Reasons: provlog.Reasons}
	q := v.Filter.query(t.ID)
	p := page{Title: "Provisioning log", Tab: "status", Data: &v}
	if v.Filter.Errors != nil {
		return s.render(w, r, http.StatusUnprocessableEntity, "setup-log", p)
	}
	var err error
	if v.Rows, v.Next, err = s.logPage(r, q); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "setup-log", p)
}

// handleSetupLogEntry shows a row of the tenant's log in full; a row of
// another tenant is not found.
func (s *Server) handleSetupLogEntry(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeLog); err != nil {
		return err
	}
	t := setupOf(r).tenant
	notFound := roster.Errorf(roster.ENOTFOUND, "Your provisioning log has no such request (requests are kept for a limited time).")
	id, err := strconv.ParseInt(r.PathValue("entry"), 10, 64)
	if err != nil || id <= 0 || id == math.MaxInt64 {
		return notFound
	}
	// The tenant's newest row up to id: the row, unless it is not the tenant's.
	es, err := s.store.Log(r.Context(), roster.LogQuery{TenantID: t.ID, Before: id + 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(es) == 0 || es[0].ID != id {
		return notFound
	}
	v := logEntryView{Row: logRow{provlog.NewRow(es[0])}, Changes: changesOf(es[0].Changes),
		Request: indentJSON(es[0].Request), Response: indentJSON(es[0].Response)}
	return s.render(w, r, http.StatusOK, "setup-logentry", page{Title: "Request " + v.Row.RequestID, Tab: "status", Data: v})
}

// setupUsersView is the tenant's users, for the customer.
type setupUsersView struct {
	Search string
	Users  []*roster.User
	Next   template.URL
}

func (s *Server) handleSetupUsers(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeLog); err != nil {
		return err
	}
	q := r.URL.Query()
	v := setupUsersView{Search: trimSearch(q.Get("q"))}
	us, err := s.store.UserPage(r.Context(), setupOf(r).tenant.ID, roster.UserPageQuery{Search: v.Search, After: q.Get("after"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(us) > pageSize {
		us = us[:pageSize]
		v.Next = nextPage(r, "after", us[len(us)-1].UserName)
	}
	v.Users = us
	return s.render(w, r, http.StatusOK, "setup-users", page{Title: "Users", Tab: "status", Data: v})
}

// setupGroupsView is the tenant's groups, for the customer.
type setupGroupsView struct {
	Search string
	Groups []*roster.Group
	Next   template.URL
}

func (s *Server) handleSetupGroups(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeLog); err != nil {
		return err
	}
	q := r.URL.Query()
	v := setupGroupsView{Search: trimSearch(q.Get("q"))}
	gs, err := s.store.GroupPage(r.Context(), setupOf(r).tenant.ID, roster.GroupPageQuery{
		Search: v.Search, AfterName: q.Get("after"), AfterID: q.Get("after_id"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(gs) > pageSize {
		gs = gs[:pageSize]
		v.Next = nextGroupPage(r, gs[len(gs)-1])
	}
	v.Groups = gs
	return s.render(w, r, http.StatusOK, "setup-groups", page{Title: "Groups", Tab: "status", Data: v})
}
