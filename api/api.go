package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/internal/notify"
)

// Options configures a Server.
type Options struct {
	// Retention is how long events are kept (default 30 days); it is only
	// reported here, the pruner enforces it.
	Retention time.Duration
	// MaxWait bounds the long poll of the events API (default 60s).
	MaxWait time.Duration
	// Poll is how often a long poll looks for events written by other
	// processes (default 1s); writes of this process wake it at once.
	Poll time.Duration
	// WriteTimeout is how long a response may take to write (default 60s),
	// the listener's own write timeout: a long poll's write deadline is this
	// much after its wait, whatever the listener's.
	WriteTimeout time.Duration
	// MaxPolls is how many long polls (wait > 0) one API key may hold at once
	// (default 4); another gets 429 with Retry-After.
	MaxPolls int
	Notify   *notify.Broadcaster
	// Users performs the write routes and the drift report; nil answers them
	// with 503.
	Users  UserWriter
	Logger *slog.Logger
	Clock  roster.Clock
}

// Server serves the app API.
type Server struct {
	store roster.Store
	opts  Options
	mux   *http.ServeMux

	mu    sync.Mutex
	polls map[string]int // long polls waiting, by API key id
}

// New returns the app API over store.
func New(store roster.Store, opts Options) *Server {
	if opts.Retention <= 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 60 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 60 * time.Second
	}
	if opts.MaxPolls <= 0 {
		opts.MaxPolls = 4
	}
	if opts.Notify == nil {
		opts.Notify = &notify.Broadcaster{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Users == nil {
		opts.Users = unavailable{}
	}
	s := &Server{store: store, opts: opts, mux: http.NewServeMux(), polls: map[string]int{}}
	s.mux.HandleFunc("GET "+Prefix+"/openapi.json", s.openAPIDocument)
	s.mux.Handle("GET "+Prefix+"/events", s.authenticate(s.events))
	s.mux.Handle("GET "+Prefix+"/users", s.authenticate(s.users))
	s.mux.Handle("POST "+Prefix+"/users", s.writing(s.createUser))
	s.mux.Handle("GET "+Prefix+"/users/{id}", s.authenticate(s.user))
	s.mux.Handle("PATCH "+Prefix+"/users/{id}", s.writing(s.patchUser))
	s.mux.Handle("GET "+Prefix+"/users/{id}/groups", s.authenticate(s.userGroups))
	s.mux.Handle("GET "+Prefix+"/groups", s.authenticate(s.groups))
	s.mux.Handle("GET "+Prefix+"/groups/{id}", s.authenticate(s.group))
	s.mux.Handle("GET "+Prefix+"/groups/{id}/members", s.authenticate(s.groupMembers))
	s.mux.Handle("GET "+Prefix+"/provisioning-log", s.authenticate(s.provisioningLog))
	s.mux.Handle("GET "+Prefix+"/drift", s.authenticate(s.drift))
	s.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, roster.Errorf(roster.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s
}

// Handler returns the API's handler; mount it at Prefix+"/" as it is, so that
// the pattern a request matched (its metrics' route) is the whole route.
func (s *Server) Handler() http.Handler {
	return s.mux
}

// Prefix is the path the app API is served under.
const Prefix = "/api/v1"

type ctxKey int

const keyKey ctxKey = 0

// keyOf returns the API key the request was authenticated with.
func keyOf(ctx context.Context) *roster.APIKey {
	k, _ := ctx.Value(keyKey).(*roster.APIKey)
	return k
}

// authenticate admits requests with a live API key ("Authorization: Bearer rak_…").
func (s *Server) authenticate(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, err := s.apiKey(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if k.TenantID != "" {
			httpx.SetTenant(r.Context(), k.TenantID)
		}
		h(w, r.WithContext(context.WithValue(r.Context(), keyKey, k)))
	})
}

func (s *Server) apiKey(r *http.Request) (*roster.APIKey, error) {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, roster.Errorf(roster.EUNAUTHORIZED, "no API key: send \"Authorization: Bearer <API key>\" (create one with roster apikey create)")
	}
	if roster.TokenPrefix(secret) != "" {
		return nil, roster.Errorf(roster.EUNAUTHORIZED, "this is a SCIM token, which works on /scim/v2 only: the app API takes an API key (roster apikey create)")
	}
	if roster.AccessTokenPrefix(secret) != "" || roster.SCIMClientSecretPrefix(secret) != "" {
		return nil, roster.Errorf(roster.EUNAUTHORIZED, "this is an access token or secret of a SCIM OAuth client, which works on /scim/v2 only: the app API takes an API key (roster apikey create)")
	}
	prefix := roster.APIKeyPrefix(secret)
	if prefix == "" {
		return nil, roster.Errorf(roster.EUNAUTHORIZED, "unknown API key: Roster's API keys start with \"rak_\"")
	}
	ks, err := s.store.APIKeysByPrefix(r.Context(), prefix)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		if !k.Matches(secret) {
			continue
		}
		if !k.Revoked.IsZero() {
			return nil, roster.Errorf(roster.EUNAUTHORIZED, "the API key %s… was revoked", k.Prefix)
		}
		return k, nil
	}
	return nil, roster.Errorf(roster.EUNAUTHORIZED, "unknown API key")
}

// tenantParam returns the tenant a request reads: the ?tenant= parameter (an id
// or a name), which a tenant's key may omit and may not set to another tenant.
// required says whether a key of every tenant must name one.
func (s *Server) tenantParam(r *http.Request, required bool) (string, error) {
	k := keyOf(r.Context())
	v := r.URL.Query().Get("tenant")
	if v == "" {
		if k.TenantID == "" && required {
			return "", roster.Errorf(roster.EINVALID, "this API key sees every tenant: name one with ?tenant=ID or ?tenant=NAME")
		}
		return k.TenantID, nil
	}
	t, err := s.store.Tenant(r.Context(), v)
	if roster.ErrorCode(err) == roster.ENOTFOUND || err == nil && !k.Sees(t.ID) {
		// A tenant the key may not see is reported as absent.
		return "", roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist or is not visible to this API key", v)
	}
	if err != nil {
		return "", err
	}
	return t.ID, nil
}

// errorBody is the JSON of an error response.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

var statusOf = map[string]int{
	roster.EINVALID:       http.StatusBadRequest,
	roster.EINVALIDFILTER: http.StatusBadRequest,
	roster.EINVALIDCURSOR: http.StatusBadRequest,
	roster.EUNAUTHORIZED:  http.StatusUnauthorized,
	roster.EFORBIDDEN:     http.StatusForbidden,
	roster.ENOTFOUND:      http.StatusNotFound,
	roster.ECONFLICT:      http.StatusConflict,
	roster.EPRECONDITION:  http.StatusPreconditionFailed,
	roster.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	roster.ERATELIMIT:     http.StatusTooManyRequests,
	roster.EUNAVAILABLE:   http.StatusServiceUnavailable,
	errGone:               http.StatusGone,
}

// errGone is the code of a cursor older than the retained events.
const errGone = "gone"

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := roster.ErrorCode(err)
	status, ok := statusOf[code]
	msg := roster.ErrorDetail(err)
	if !ok {
		status, code, msg = http.StatusInternalServerError, roster.EINTERNAL, "internal error"
		s.opts.Logger.ErrorContext(r.Context(), "app API", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
	var b errorBody
	b.Error.Code = strings.ToLower(code)
	b.Error.Message = fmt.Sprintf("%s (request %s)", msg, httpx.RequestID(r.Context()))
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster-api"`)
	case http.StatusServiceUnavailable:
		// The store cannot be reached or is full: a restart or a failover takes seconds.
		w.Header().Set("Retry-After", "5")
		s.opts.Logger.WarnContext(r.Context(), "app API: store unavailable", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may have gone; nothing to do about it
}

// gone returns the error of a cursor whose events were pruned.
func gone(after, through int64, retention time.Duration) error {
	return &roster.Error{Code: errGone, Detail: fmt.Sprintf(
		"cursor %d is older than the retained events (pruned through %d; events are kept %s): re-read the resources and resume from a fresh cursor",
		after, through, retention)}
}

// limitParam reads the ?limit= of a page: 1 to 1000, 100 when absent.
func limitParam(v url.Values) (int, error) {
	l := v.Get("limit")
	if l == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > 1000 {
		return 0, roster.Errorf(roster.EINVALID, "limit: want 1 to 1000, got %q", l)
	}
	return n, nil
}
