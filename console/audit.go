package console

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/rosterhq/roster"
)

// auditView is the audit trail page: every tenant's, or one tenant's.
type auditView struct {
	// Tenant is the tenant asked for, by name or id ("" for every tenant):
	// a deleted tenant's rows are still found by its name.
	Tenant  string
	Entries []auditRow
	// Next is the URL of the next (older) page, "" on the last one.
	Next template.URL
}

// auditRow is an audit entry with its settings before and after, indented.
type auditRow struct {
	*roster.AuditEntry
	Before, After string
}

// handleAudit shows the audit trail newest first, a page at a time (before=
// the id the previous page ended at), of one tenant with ?tenant=. The page
// shows the tenant's tabs while the tenant exists.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := auditView{Tenant: trimSearch(q.Get("tenant"))}
	var before int64
	if b := q.Get("before"); b != "" {
		var err error
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before <= 0 {
			return roster.Errorf(roster.EINVALID, "before=%q: want the id of an audit entry", b)
		}
	}
	es, err := s.store.Audit(r.Context(), roster.AuditQuery{Tenant: v.Tenant, Before: before, Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(es) > pageSize {
		es = es[:pageSize]
		v.Next = nextPage(r, "before", strconv.FormatInt(es[len(es)-1].ID, 10))
	}
	for _, e := range es {
		v.Entries = append(v.Entries, auditRow{AuditEntry: e, Before: indentJSON(string(e.Before)), After: indentJSON(string(e.After))})
	}
	p := page{Title: "Audit trail", Tab: "audit", Data: v}
	if v.Tenant != "" {
		t, err := s.store.Tenant(r.Context(), v.Tenant)
		if err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
			return err
		}
		p.Tenant = t
	}
	return s.render(w, r, http.StatusOK, "audit", p)
}
