package console

import (
	"bytes"
	"encoding/json"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Bounds of the user page's lists: the newest sessions and log rows, the
// first groups; the log page has the rest of the log.
const (
	userSessions = 20
	userLogRows  = 20
	userGroups   = pageSize
)

// loginMethods are the login methods the user page offers.
var loginMethods = []loginMethod{
	{roster.LoginMethodIdP, "Through the IdP only"},
	{roster.LoginMethodPassword, "With a password only"},
	{roster.LoginMethodEither, "Either way"},
}

// usersView is a tenant's users page.
type usersView struct {
	Search string
	Users  []*roster.User
	// Next is the URL of the next page, "" on the last one.
	Next template.URL
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := usersView{Search: trimSearch(q.Get("q"))}
	us, err := s.store.UserPage(r.Context(), t.ID, roster.UserPageQuery{Search: v.Search, After: q.Get("after"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(us) > pageSize {
		us = us[:pageSize]
		v.Next = nextPage(r, "after", us[len(us)-1].UserName)
	}
	v.Users = us
	return s.render(w, r, http.StatusOK, "users", page{Title: "Users", Tenant: t, Tab: "users", Data: v})
}

// userView is a user's page.
type userView struct {
	User *roster.User
	// Groups are the first userGroups of the user's groups; MoreGroups
	// counts the others.
	Groups     []roster.GroupRef
	MoreGroups int
	Sessions   []sessionRow
	Log        []*roster.LogEntry
	// LogPage is the log page of the user's requests.
	LogPage string
	// Document is the stored SCIM document with its id, indented.
	Document string
	// Drift are the user's attributes the drift report lists.
	Drift   []driftRow
	Methods []loginMethod
	Form    loginMethodForm
}

// sessionRow is one of the user's sessions, with its state: live, ended or expired.
type sessionRow struct {
	*roster.Session
	State string
}

// loginMethod is a login method the user page offers, with its label.
type loginMethod struct{ Value, Label string }

// loginMethodForm is the login method form as sent, with its error, when it
// was refused.
type loginMethodForm struct {
	Method, Error string
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) error {
	return s.renderUser(w, r, http.StatusOK, loginMethodForm{})
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, status int, form loginMethodForm) error {
	ctx := r.Context()
	t, err := s.store.Tenant(ctx, r.PathValue("tenant"))
	if err != nil {
		return err
	}
	u, err := s.user(r, t)
	if err != nil {
		return err
	}
	v := userView{User: u, Groups: u.Groups, LogPage: s.tenantPath(t, "/log") + "?user=" + url.QueryEscape(u.ID), Methods: loginMethods, Form: form}
	if v.Form.Method == "" {
		v.Form.Method = u.LoginMethod
	}
	if len(v.Groups) > userGroups {
		v.Groups, v.MoreGroups = v.Groups[:userGroups], len(v.Groups)-userGroups
	}
	ss, err := s.store.UserSessions(ctx, t.ID, u.ID, userSessions)
	if err != nil {
		return err
	}
	v.Sessions = sessionRows(ss, s.opts.Now())
	if v.Log, err = s.store.Log(ctx, roster.LogQuery{TenantID: t.ID, User: u.ID, Limit: userLogRows}); err != nil {
		return err
	}
	d, err := s.admin.UserDrift(ctx, t.ID, u)
	if err != nil {
		return err
	}
	v.Drift = driftRows(d)
	if v.Document, err = document(u); err != nil {
		return err
	}
	p := page{Title: u.UserName, Tenant: t, Tab: "users", Data: v}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = "Login method saved."
	}
	return s.render(w, r, status, "user", p)
}

// user reads the user of r's path: a live one, or a deleted one still
// restorable (a held delete's, say). ENOTFOUND.
func (s *Server) user(r *http.Request, t *roster.Tenant) (*roster.User, error) {
	id := r.PathValue("user")
	u, err := s.store.User(r.Context(), t.ID, id)
	if roster.ErrorCode(err) != roster.ENOTFOUND {
		return u, err
	}
	u, rerr := s.store.RetiredUser(r.Context(), t.ID, id)
	if rerr != nil || u.ID != id {
		return nil, err
	}
	return u, nil
}

// sessionRows are the sessions with their states at now.
func sessionRows(ss []*roster.Session, now time.Time) []sessionRow {
	rows := make([]sessionRow, len(ss))
	for i, x := range ss {
		rows[i] = sessionRow{Session: x, State: "live"}
		switch {
		case !x.Ended.IsZero():
			rows[i].State = "ended"
		case !x.Live(now):
			rows[i].State = "expired"
		}
	}
	return rows
}

// document renders the user's stored SCIM document with its id, indented,
// keys in order as the SCIM API writes them.
func document(u *roster.User) (string, error) {
	doc := maps.Clone(u.Doc)
	if doc == nil {
		doc = map[string]any{}
	}
	doc["id"] = u.ID
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// handleUserLoginMethod sets how the user may sign in.
func (s *Server) handleUserLoginMethod(w http.ResponseWriter, r *http.Request) error {
	form := loginMethodForm{Method: r.PostFormValue("method")}
	t, u, err := s.admin.SetLoginMethod(r.Context(), r.PathValue("tenant"), r.PathValue("user"), form.Method)
	if roster.ErrorCode(err) == roster.EINVALID {
		form.Error = "Choose how the user signs in: through the IdP, with a password, or either way."
		return s.renderUser(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "/users/"+url.PathEscape(u.ID))+"?saved=1#login-method", http.StatusSeeOther)
	return nil
}
