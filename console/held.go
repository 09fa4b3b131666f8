package console

import (
	"context"
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

// readHeld reads the page of the held operations of the tenant idOrName that
// r asks for, and counts them all. The console's page and the setup pages'
// share it.
func (s *Server) readHeld(r *http.Request, idOrName string) (*roster.Tenant, heldView, error) {
	t, ops, err := s.admin.HeldOperations(r.Context(), idOrName, roster.HeldQuery{After: r.URL.Query().Get("after"), Limit: pageSize + 1})
	if err != nil {
		return nil, heldView{}, err
	}
	var v heldView
	if v.Count, err = s.store.CountHeld(r.Context(), t.ID); err != nil {
		return nil, heldView{}, err
	}
	if len(ops) > pageSize {
		ops = ops[:pageSize]
		v.Next = nextPage(r, "after", ops[len(ops)-1].ID)
	}
	v.Ops = ops
	return t, v, nil
}

// heldFlash says what the release or revert the held operations page follows
// did ("" after none).
func heldFlash(r *http.Request) string {
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("released")); err == nil {
		return plural(n, "held operation") + " released: the app is told of them now."
	}
	if n, err := strconv.Atoi(q.Get("reverted")); err == nil {
		return plural(n, "held operation") + " reverted: the users are back."
	}
	return ""
}

func (s *Server) handleHeld(w http.ResponseWriter, r *http.Request) error {
	return s.renderHeld(w, r, http.StatusOK, "")
}

// renderHeld writes the held operations page, with the refusal of a
// "Release all" or "Revert all" (formError, "" for none).
func (s *Server) renderHeld(w http.ResponseWriter, r *http.Request, status int, formError string) error {
	t, v, err := s.readHeld(r, r.PathValue("tenant"))
	if err != nil {
		return err
	}
	v.Error = formError
	return s.render(w, r, status, "held", page{Title: "Held operations", Tenant: t, Tab: "held", Flash: heldFlash(r), Data: v})
}

// plural prints n things ("1 held operation", "2 held operations").
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// heldRoutes are the four changes of a held operations page at path: release
// or revert the operation of the path ({held}), or every one once the form's
// confirmation box is ticked. render writes the page with a refusal; settle
// releases or reverts and goes back to it. The console's page and the setup
// pages' share them; things names what the page lists ("operation", "change").
func (s *Server) heldRoutes(path string, a access, things string, render heldRenderer, settle heldSettle) []route {
	one := func(done string, settler heldSettler) func(http.ResponseWriter, *http.Request) error {
		return func(w http.ResponseWriter, r *http.Request) error { return settle(w, r, done, false, settler) }
	}
	every := func(done, confirm string, settler heldSettler) func(http.ResponseWriter, *http.Request) error {
		return func(w http.ResponseWriter, r *http.Request) error {
			if r.PostFormValue("confirm") != confirm {
				return render(w, r, http.StatusUnprocessableEntity, "Tick the box to confirm that every held "+things+" is "+done+".")
			}
			return settle(w, r, done, true, settler)
		}
	}
	return []route{
		{"POST " + path + "/release", a, every("released", confirmRelease, s.admin.ReleaseHeld)},
		{"POST " + path + "/revert", a, every("reverted", confirmRevert, s.admin.RevertHeld)},
		{"POST " + path + "/{held}/release", a, one("released", s.admin.ReleaseHeld)},
		{"POST " + path + "/{held}/revert", a, one("reverted", s.admin.RevertHeld)},
	}
}

// heldRenderer writes a held operations page with the refusal of a "Release
// all" or "Revert all" (formError, "" for none).
type heldRenderer func(w http.ResponseWriter, r *http.Request, status int, formError string) error

// heldSettle releases or reverts (settler) the held operation of the path, or
// every one with all, and goes back to the page saying how many were (done:
// "released", "reverted").
type heldSettle func(w http.ResponseWriter, r *http.Request, done string, all bool, settler heldSettler) error

// heldSettler releases or reverts held operations of a tenant:
// admin.Service's ReleaseHeld or RevertHeld.
type heldSettler func(ctx context.Context, idOrName string, all bool, ids []string) (*roster.Tenant, []*roster.HeldOperation, error)

// settleHeld releases or reverts (settle) the held operation of the path, or
// every one with all, and goes back to the held operations page saying how
// many were (done: "released", "reverted").
func (s *Server) settleHeld(w http.ResponseWriter, r *http.Request, done string, all bool, settle heldSettler) error {
	t, ops, err := settle(r.Context(), r.PathValue("tenant"), all, heldIDs(r, all))
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "/held")+"?"+done+"="+strconv.Itoa(len(ops)), http.StatusSeeOther)
	return nil
}

// heldIDs are the held operations a form settles: the one of the path, none
// with all (every one).
func heldIDs(r *http.Request, all bool) []string {
	if all {
		return nil
	}
	return []string{r.PathValue("held")}
}
