package console

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/rosterhq/roster"
)

// heldView is a tenant's held operations page: the deactivations and deletes
// its deprovisioning guard holds, a page at a time, oldest first.
type heldView struct {
	Count int
	Ops   []*roster.HeldOperation
	// Next is the URL of the next page, "" on the last one.
	Next template.URL
	// Error says why a "Release all" or "Revert all" was refused ("" for none).
	Error string
}

// Values of the confirmation box of "Release all" and "Revert all".
const (
	confirmRelease = "release-all"
	confirmRevert  = "revert-all"
)

func (s *Server) handleHeld(w http.ResponseWriter, r *http.Request) error {
	return s.renderHeld(w, r, http.StatusOK, "")
}

// renderHeld writes the held operations page, with the refusal of a
// "Release all" or "Revert all" (formError, "" for none).
func (s *Server) renderHeld(w http.ResponseWriter, r *http.Request, status int, formError string) error {
	q := r.URL.Query()
	t, ops, err := s.admin.HeldOperations(r.Context(), r.PathValue("tenant"), roster.HeldQuery{After: q.Get("after"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	v := heldView{Error: formError}
	if v.Count, err = s.store.CountHeld(r.Context(), t.ID); err != nil {
		return err
	}
	if len(ops) > pageSize {
		ops = ops[:pageSize]
		v.Next = nextPage(r, "after", ops[len(ops)-1].ID)
	}
	v.Ops = ops
	p := page{Title: "Held operations", Tenant: t, Tab: "held", Data: v}
	if n, err := strconv.Atoi(q.Get("released")); err == nil {
		p.Flash = plural(n, "held operation") + " released: the app is told of them now."
	}
	if n, err := strconv.Atoi(q.Get("reverted")); err == nil {
		p.Flash = plural(n, "held operation") + " reverted: the users are back."
	}
	return s.render(w, r, status, "held", p)
}

// plural prints n things ("1 held operation", "2 held operations").
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

func (s *Server) handleHeldRelease(w http.ResponseWriter, r *http.Request) error {
	return s.settleHeld(w, r, "released", false, s.releaseHeld)
}

func (s *Server) handleHeldRevert(w http.ResponseWriter, r *http.Request) error {
	return s.settleHeld(w, r, "reverted", false, s.revertHeld)
}

// handleHeldReleaseAll releases every held operation of the tenant once the
// form's confirmation box is ticked.
func (s *Server) handleHeldReleaseAll(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("confirm") != confirmRelease {
		return s.renderHeld(w, r, http.StatusUnprocessableEntity, "Tick the box to confirm that every held operation is released.")
	}
	return s.settleHeld(w, r, "released", true, s.releaseHeld)
}

// handleHeldRevertAll reverts every held operation of the tenant once the
// form's confirmation box is ticked.
func (s *Server) handleHeldRevertAll(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("confirm") != confirmRevert {
		return s.renderHeld(w, r, http.StatusUnprocessableEntity, "Tick the box to confirm that every held operation is reverted.")
	}
	return s.settleHeld(w, r, "reverted", true, s.revertHeld)
}

func (s *Server) releaseHeld(r *http.Request, all bool, ids []string) (*roster.Tenant, []*roster.HeldOperation, error) {
	return s.admin.ReleaseHeld(r.Context(), r.PathValue("tenant"), all, ids)
}

func (s *Server) revertHeld(r *http.Request, all bool, ids []string) (*roster.Tenant, []*roster.HeldOperation, error) {
	return s.admin.RevertHeld(r.Context(), r.PathValue("tenant"), all, ids)
}

// settleHeld releases or reverts (do) the held operation of the path, or
// every one with all, and goes back to the held operations page saying how
// many were (done: "released", "reverted").
func (s *Server) settleHeld(w http.ResponseWriter, r *http.Request, done string, all bool,
	do func(r *http.Request, all bool, ids []string) (*roster.Tenant, []*roster.HeldOperation, error)) error {
	var ids []string
	if !all {
		ids = []string{r.PathValue("held")}
	}
	t, ops, err := do(r, all, ids)
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "/held")+"?"+done+"="+strconv.Itoa(len(ops)), http.StatusSeeOther)
	return nil
}
