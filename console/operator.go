package console

import (
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// operatorsView is the operators page: every operator (they are a few
// people, listed whole), the create form, and a refused removal's reason.
type operatorsView struct {
	Operators   []*roster.Operator
	Roles       []string
	Form        operatorForm
	RemoveError string
}

// operatorForm is the create form as sent, with an error at each field it
// refused. The passwords are never sent back.
type operatorForm struct {
	Email, Role                          string
	EmailError, RoleError, PasswordError string
}

func (f operatorForm) refused() bool {
	return f.EmailError != "" || f.RoleError != "" || f.PasswordError != ""
}

func (s *Server) handleOperators(w http.ResponseWriter, r *http.Request) error {
	return s.renderOperators(w, r, http.StatusOK, operatorsView{Form: operatorForm{Role: roster.OperatorViewer}})
}

func (s *Server) renderOperators(w http.ResponseWriter, r *http.Request, status int, v operatorsView) error {
	ops, err := s.admin.Operators(r.Context())
	if err != nil {
		return err
	}
	v.Operators, v.Roles = ops, []string{roster.OperatorViewer, roster.OperatorAdmin}
	p := page{Title: "Operators", Tab: "operators", Data: v}
	q := r.URL.Query()
	switch {
	case q.Get("created") != "":
		p.Flash = "Operator created: they sign in with their email and the password you chose."
	case q.Get("removed") != "":
		p.Flash = "Operator removed, and signed out of the console."
	}
	return s.render(w, r, status, "operators", p)
}

// handleOperatorCreate creates an operator from the form, whose password is
// typed twice. Each field's error is the admin service's own check.
func (s *Server) handleOperatorCreate(w http.ResponseWriter, r *http.Request) error {
	form := operatorForm{Email: strings.TrimSpace(r.PostFormValue("email")), Role: r.PostFormValue("role")}
	password := r.PostFormValue("password")
	if err := admin.CheckOperatorEmail(form.Email); err != nil {
		form.EmailError = err.Error()
	}
	if err := admin.CheckOperatorRole(form.Role); err != nil {
		form.RoleError = err.Error()
	}
	if err := admin.CheckOperatorPassword(password); err != nil {
		form.PasswordError = err.Error()
	} else if password != r.PostFormValue("password_again") {
		form.PasswordError = "The two passwords differ: type the same one twice."
	}
	if form.refused() {
		return s.renderOperators(w, r, http.StatusUnprocessableEntity, operatorsView{Form: form})
	}
	_, err := s.admin.CreateOperator(r.Context(), form.Email, form.Role, password)
	if roster.ErrorCode(err) == roster.ECONFLICT {
		form.EmailError = err.Error()
		return s.renderOperators(w, r, http.StatusUnprocessableEntity, operatorsView{Form: form})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/operators?created=1", http.StatusSeeOther)
	return nil
}

// handleOperatorRemove removes an operator; the admin service refuses to
// remove the last admin, and the page says so.
func (s *Server) handleOperatorRemove(w http.ResponseWriter, r *http.Request) error {
	o, err := s.store.Operator(r.Context(), r.PathValue("operator"))
	if err != nil {
		return err
	}
	err = s.admin.RemoveOperator(r.Context(), o.Email)
	if roster.ErrorCode(err) == roster.ECONFLICT {
		return s.renderOperators(w, r, http.StatusConflict, operatorsView{Form: operatorForm{Role: roster.OperatorViewer}, RemoveError: err.Error()})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/operators?removed=1", http.StatusSeeOther)
	return nil
}
