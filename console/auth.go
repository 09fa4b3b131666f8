package console

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/httpx"
)

// cookieName names the cookie holding the session's secret.
const cookieName = "roster_console"

// maxFormBytes bounds a form's body: the largest is a policy document.
const maxFormBytes = 1 << 20

// csrfField names the form field carrying the session's form token.
const csrfField = "csrf"

// session is the signed-in operator of a request.
type session struct {
	op     *roster.Operator
	secret string
}

type sessionKey struct{}

// sessionOf returns the request's session; nil on a public route.
func sessionOf(r *http.Request) *session {
	ss, _ := r.Context().Value(sessionKey{}).(*session)
	return ss
}

// guard runs rt's handler for those rt's access admits: without a session,
// 303 to the sign-in page; a state change without the session's form token,
// or by a viewer on an admin route, 403.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if rt.access == customer {
			var ok bool
			if r, ok = s.setupGuard(w, r); !ok {
				return
			}
		} else if rt.access != public {
			secret := ""
			if c, err := r.Cookie(cookieName); err == nil {
				secret = c.Value
			}
			op, err := s.admin.Session(r.Context(), secret)
			if err != nil {
				if roster.ErrorCode(err) != roster.EUNAUTHORIZED {
					s.fail(w, r, err)
					return
				}
				s.toLogin(w, r)
				return
			}
			if r.Method == http.MethodPost && !validFormToken(r, secret) {
				s.renderError(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Go back, reload the page and try again.")
				return
			}
			ctx := context.WithValue(r.Context(), sessionKey{}, &session{op: op, secret: secret})
			ctx = admin.WithActor(ctx, admin.OperatorActor(op, s.clientAddr(r)))
			r = r.WithContext(ctx)
			if rt.access == adminOnly && op.Role != roster.OperatorAdmin {
				s.renderError(w, r, http.StatusForbidden, "Your role is "+op.Role+": it may look at everything here and change nothing. An admin can change this.")
				return
			}
		}
		if err := rt.handle(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// validFormToken reports whether the request's form carries the form token of
// the session with this secret.
func validFormToken(r *http.Request, secret string) bool {
	got := r.PostFormValue(csrfField)
	want := admin.FormToken(secret)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// toLogin answers 303 to the sign-in page, which returns to the page asked
// for (a GET's) once signed in.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	to := Prefix + "/login"
	if r.Method == http.MethodGet && r.URL.Path != Prefix+"/" {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// nextPath returns where to go after signing in: next when it is a path of
// the console's own (never another site), else the console's first page.
func nextPath(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}

func (s *Server) clientAddr(r *http.Request) string {
	return httpx.ClientAddr(r, s.opts.TrustProxy)
}

type loginView struct {
	Email string
	Next  string
	Error string
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: loginView{Next: nextPath(r.URL.Query().Get("next"))}})
}

// handleLogin signs an operator in. Failures are counted per client address:
// past ten in a minute the address waits, and is told how long.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	v := loginView{Email: email, Next: nextPath(r.PostFormValue("next"))}
	addr := s.clientAddr(r)
	res, retry, blocked := s.failures.Reserve(addr)
	if blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		v.Error = "Too many failed sign-ins from this address. Try again in a minute."
		return s.render(w, r, http.StatusTooManyRequests, "login", page{Title: "Sign in", Data: v})
	}
	secret, _, err := s.admin.StartSession(r.Context(), email, password, addr)
	if roster.ErrorCode(err) == roster.EUNAUTHORIZED {
		v.Error = "Wrong email or password."
		return s.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", Data: v})
	}
	res.Refund()
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(secret, int(admin.SessionAbsolute.Seconds())))
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.admin.EndSession(r.Context(), sessionOf(r).secret); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie("", -1))
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
	return nil
}

// cookie is the session cookie holding secret for maxAge seconds (<0: delete it).
func (s *Server) cookie(secret string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     cookieName,
		Value:    secret,
		Path:     Prefix + "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   strings.HasPrefix(s.opts.PublicURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	}
}
