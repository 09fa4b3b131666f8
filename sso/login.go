package sso

import (
	"context"
	"crypto/subtle"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
)

// The password sign-in page. Authorize sends the browser here, with the host
// app's request sealed in the state cookie, when the app asks for a password
// sign-in (login_method=password) or the tenant has no IdP connection. The
// form posts back to the page; a right password of a user whose login method
// allows it ends in the same code flow as a sign-in through the IdP, with
// login_method "password" and amr ["pwd"].

var passwordPage = template.Must(template.New("password").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to {{.Tenant}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}</style></head>
<body><h1>Sign in</h1><p>Organization: <strong>{{.Tenant}}</strong></p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required value="{{.UserName}}" {{if not .UserName}}autofocus{{end}}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required {{if .UserName}}autofocus{{end}}>
<button type="submit">Sign in</button>
</form></body></html>
`))

type passwordView struct {
	Tenant, Action, CSRF, UserName, Error string
}

// handlePasswordForm serves GET /sso/{tenant}/password: the form.
func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	p, tenant, oerr := s.passwordPending(r)
	if oerr != nil {
		s.refusePage(w, r, outcome{tenant: tenant, err: oerr})
		return
	}
	s.writePasswordPage(w, http.StatusOK, passwordView{Tenant: tenant.Name, Action: PasswordURL(s.issuer, tenant.Name), CSRF: p.CSRF})
}

// handlePasswordSubmit serves POST /sso/{tenant}/password: it checks the
// form's CSRF token against the sealed cookie, and the password. A wrong
// password shows the form again; any other outcome goes back to the host app.
func (s *Server) handlePasswordSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	p, tenant, oerr := s.passwordPending(r)
	if oerr == nil && (r.ParseForm() != nil || !s.sameOrigin(r) ||
		subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(p.CSRF)) != 1) {
		oerr = errorf("invalid_request", "", "The form was not sent from Roster's sign-in page. Start again from the application.")
	}
	if oerr != nil {
		s.refusePage(w, r, outcome{tenant: tenant, err: oerr})
		return
	}
	userName := strings.TrimSpace(r.PostForm.Get("username"))
	u, in, oerr := s.passwordSignIn(r, tenant, userName, r.PostForm.Get("password"))
	if oerr != nil && oerr.Status != 0 { // a wrong password, or too many: the person may try again
		s.logSignIn(r, outcome{tenant: tenant, user: u, err: oerr})
		msg := "The user name or password is wrong."
		if oerr.Status == http.StatusTooManyRequests {
			msg = "Too many attempts. Wait a minute, then try again."
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(oerr.RetryAfter.Seconds()))))
		}
		s.writePasswordPage(w, oerr.Status, passwordView{Tenant: tenant.Name, Action: PasswordURL(s.issuer, tenant.Name),
			CSRF: p.CSRF, UserName: userName, Error: msg})
		return
	}
	s.clearPending(w)
	if oerr == nil {
		oerr = s.usePending(r.Context(), tenant, p)
	}
	s.finish(w, r, p, outcome{tenant: tenant, user: u, signIn: in, err: oerr})
}

// passwordPending reads the sign-in the page belongs to, and its tenant.
func (s *Server) passwordPending(r *http.Request) (*pending, *roster.Tenant, *oauthError) {
	p, err := s.readPending(r)
	if err != nil || p.Mode != roster.LoginMethodPassword {
		return nil, nil, errorf("invalid_request", "", "This sign-in is unknown or has expired. Start again from the application.")
	}
	tenant, err := s.store.Tenant(r.Context(), p.TenantID)
	if err != nil || tenant.Name != r.PathValue("tenant") {
		return nil, nil, errorf("invalid_request", "", "The sign-in belongs to another tenant. Start again from the application.")
	}
	if tenant.Disabled {
		return nil, tenant, tenantDisabled()
	}
	return p, tenant, nil
}

// sameOrigin reports whether a form post came from Roster's own pages: its
// Origin (or, without one, Referer) is Roster's public origin. Browsers send
// Origin on every POST; a request without either is not a browser's.
func (s *Server) sameOrigin(r *http.Request) bool {
	want, err := url.Parse(s.issuer)
	if err != nil {
		return false
	}
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
	}
	got, err := url.Parse(from)
	return err == nil && got.Scheme == want.Scheme && got.Host == want.Host
}

// passwordSignIn checks a password sign-in: the failure limits, the user (by
// userName, ignoring case), the password, the user's login method, and then
// the gate. A failure of the user and of the address is reserved before the
// hash and given back when the password is right, so that guesses sent at
// once cannot pass the limit together; hashes run a few at a time. An unknown
// user, a user who may not use a password and a wrong password get the same
// answer after the same work. Refusals the person may retry (wrong password,
// too many) carry a Status; the others go back to the host app.
func (s *Server) passwordSignIn(r *http.Request, tenant *roster.Tenant, userName, password string) (*roster.User, *roster.SignIn, *oauthError) {
	ctx := r.Context()
	addr, userKey := httpx.ClientAddr(r, s.opts.TrustProxy), tenant.ID+"/"+strings.ToLower(userName)
	byAddr, d, blocked := s.pwAddrs.Reserve(addr)
	if blocked {
		return nil, nil, throttled(fmt.Sprintf("too many failed passwords from address %s; refused without checking", addr), d)
	}
	byUser, d, blocked := s.pwUsers.Reserve(userKey)
	if blocked {
		byAddr.Refund()
		return nil, nil, throttled(fmt.Sprintf("too many failed passwords for user %q; refused without checking", userName), d)
	}
	u, oerr := s.checkPassword(ctx, tenant, userName, password)
	if oerr == nil || oerr.Status != http.StatusUnauthorized {
		byAddr.Refund()
		byUser.Refund()
	}
	if oerr != nil {
		return u, nil, oerr
	}
	in := &roster.SignIn{Method: roster.LoginMethodPassword, AMR: []string{"pwd"}, AuthTime: s.now()}
	return u, in, refusal(u)
}

// throttled is a refusal of a password sign-in by a limit, with when to retry.
func throttled(detail string, retryAfter time.Duration) *oauthError {
	e := errorf("access_denied", "signin_password_throttled", detail)
	e.Status, e.RetryAfter = http.StatusTooManyRequests, max(retryAfter, time.Second)
	return e
}

// checkPassword finds the user named userName and compares password with
// the user's hash, holding one of the server's hash slots. An unknown user, or
// one without a password or whose login method is not password, costs the
// same comparison against a dummy hash and gets the same 401 as a wrong
// password; only the logged reason tells them apart. With every slot busy it
// refuses with 429 without hashing.
func (s *Server) checkPassword(ctx context.Context, tenant *roster.Tenant, userName, password string) (*roster.User, *oauthError) {
	var u *roster.User
	if userName != "" {
		var oerr *oauthError
		if u, oerr = s.findUser(ctx, tenant.ID, "userName", userName); oerr != nil {
			return nil, oerr
		}
	}
	hash, err := "", error(nil)
	wrong := errorf("access_denied", "signin_password_wrong", fmt.Sprintf("wrong password for user %q", userName))
	switch {
	case u == nil:
		wrong = errorf("access_denied", "signin_no_user", fmt.Sprintf("no user of tenant %s has userName %q (a password sign-in)", tenant.Name, userName))
	case methodRefusal(u, roster.LoginMethodPassword) != nil:
		wrong = methodRefusal(u, roster.LoginMethodPassword)
	default:
		hash, err = s.store.PasswordHash(ctx, tenant.ID, u.ID)
	}
	if err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
		return u, s.internal(ctx, tenant, err)
	}
	if hash == "" {
		hash = dummyHash()
	}
	if !s.hashes.Acquire(ctx, hashWait) {
		return u, throttled("every password hash slot was busy; refused without checking", time.Second)
	}
	ok := VerifyPassword(hash, password) && hash != dummyHash()
	s.hashes.Release()
	if !ok {
		wrong.Status = http.StatusUnauthorized
		return u, wrong
	}
	return u, nil
}

// hashWait is how long a password sign-in may wait for a hash slot.
const hashWait = 250 * time.Millisecond

// dummyHash is a hash no password matches in practice, computed once.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword(random())
	return h
})

func (s *Server) writePasswordPage(w http.ResponseWriter, status int, v passwordView) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	passwordPage.Execute(w, v)
}
