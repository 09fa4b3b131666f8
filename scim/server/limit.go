package server

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/internal/limit"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/scim/filter"
)

// Limits are the limits a request passes before its handler runs. Nil fields
// limit nothing; the zero value admits every request.
type Limits struct {
	// Tenants holds a token bucket per tenant.
	Tenants *limit.Tenants
	// Addresses and Prefixes limit failed authentications per source address
	// and per token prefix, apart from any tenant's bucket.
	Addresses, Prefixes *limit.Failures
	// Inflight caps the requests doing store work at once.
	Inflight *limit.Inflight
	// Wait is how long a request may wait for its tenant's bucket, and then for
	// an in-flight slot, before it is refused (default 1s).
	Wait time.Duration
	// TrustProxy takes the source address from X-Forwarded-For.
	TrustProxy bool
}

// Metrics counts what the server does; internal/metrics implements it.
type Metrics interface {
	// Operation counts a SCIM operation: resource type, action, and "ok" or
	// the roster error code it failed with.
	Operation(resource, action, outcome string)
	// RateLimited counts a request refused by a limit, for a reason:
	// tenant, auth_address, auth_token or inflight.
	RateLimited(reason string)
}

type noMetrics struct{}

func (noMetrics) Operation(resource, action, outcome string) {}
func (noMetrics) RateLimited(reason string)                  {}

// refusal is the error of a request refused by a limit.
type refusal struct {
	err        *roster.Error
	reason     string
	retryAfter time.Duration
	tenantID   string
}

func (e *refusal) Error() string { return e.err.Error() }
func (e *refusal) Unwrap() error { return e.err }

// retryAfterSeconds renders d as a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// operation carries what a request did from the handlers and writeError to
// the metrics and the provisioning log.
type operation struct {
	code    string           // the roster error code it failed with
	err     error            // the error it failed with
	entry   *roster.LogEntry // its provisioning log row
	reqBody []byte           // the request body as it arrived
	filter  filter.Expr      // a list's filter, as the handler parsed it
	ignored policy.Taken     // what a user write sent that the policy did not take
}

const opKey ctxKey = 1

// logAction names a route's action in the provisioning log; handlers refine it
// (deactivate, members-add…) and so does the log for lookups.
var logAction = map[string]string{
	"create": "create", "list": "list", "search": "search", "get": "get", "replace": "replace",
	"patch": "update", "delete": "delete", "discovery": "discovery", "bulk": "bulk", "": "unknown",
}

// opOf returns the request's operation, or nil outside the API.
func opOf(ctx context.Context) *operation {
	op, _ := ctx.Value(opKey).(*operation)
	return op
}

// api returns a route's handler h behind authentication and the limits,
// counted as an operation on resource with action (when resource is not ""),
// and recorded in the provisioning log.
func (s *Server) api(resource, action string, h http.HandlerFunc) http.Handler {
	limit := s.opts.MaxBodyBytes
	if action == "bulk" {
		limit = s.opts.BulkMaxPayload
	}
	return s.operation(resource, action, func(w http.ResponseWriter, r *http.Request) (string, func(), error) {
		tenantID, err := s.admit(w, r, limit)
		if err != nil {
			return "", nil, err
		}
		return tenantID, s.limits.Inflight.Release, nil
	}, h)
}

// admitFunc admits a request to a tenant. On success the caller calls done
// once the request is served.
type admitFunc func(w http.ResponseWriter, r *http.Request) (tenantID string, done func(), err error)

// operation returns h as one SCIM operation: admitted by admit, counted,
// recorded in the provisioning log, refused when its tenant is disabled, and
// served with the tenant and its configuration in the context. Requests from
// outside and the operations of a Bulk request go through it alike.
func (s *Server) operation(resource, action string, admit admitFunc, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := &operation{entry: &roster.LogEntry{Time: s.clock().UTC(), Method: r.Method, Route: r.Pattern,
			Query: r.URL.RawQuery, ResourceType: resource, Action: logAction[action]}}
		r = r.WithContext(context.WithValue(r.Context(), opKey, op))
		if resource != "" {
			defer func() {
				outcome := "ok"
				if op.code != "" {
					outcome = op.code
				}
				s.metrics.Operation(resource, action, outcome)
			}()
		}
		if s.logs != nil {
			lw := &logWriter{ResponseWriter: w, keep: provlog.MaxBody + 1}
			if r.Method == http.MethodGet {
				lw.keep = max(provlog.MaxReadBody, 4<<10) + 1 // a failed read's error fits; a good one is cut to MaxReadBody
			}
			w = lw
			defer s.record(r, op, lw)
		}
		tenantID, done, err := admit(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		op.entry.TenantID = tenantID
		defer done()
		if i := strings.IndexByte(r.URL.Path, 0); i >= 0 {
			s.writeError(w, r, roster.Errorf(roster.EINVALID, "the path holds a NUL character (%%00) at offset %d: no id holds one", i))
			return
		}
		cfg, err := s.config(r.Context(), tenantID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if cfg.disabled {
			s.writeError(w, r, errTenantDisabled)
			return
		}
		op.entry.Sensitive = cfg.policy.Sensitive()
		ctx := context.WithValue(context.WithValue(r.Context(), tenantKey, tenantID), configKey, cfg)
		h(w, r.WithContext(ctx))
	})
}

// admit authenticates r and passes it through the limits, in order: the
// credential, then, only when it fails, the failed authentications of its
// source address and token prefix (so that one client's wrong tokens never
// refuse another's good one from the same address), the tenant's bucket,
// then, once the body has arrived, an in-flight slot. On success the caller
// must release the slot.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, maxBody int64) (tenantID string, err error) {
	tenantID, err = s.tenantFor(r)
	if roster.ErrorCode(err) == roster.EUNAUTHORIZED {
		return "", s.authFailed(r, presentedPrefix(r), err)
	}
	if err != nil {
		return "", err
	}
	httpx.SetTenant(r.Context(), tenantID)
	if err := s.tenantBucket(r.Context(), tenantID); err != nil {
		return "", err
	}
	if err := s.readAhead(w, r, maxBody); err != nil {
		return "", err
	}
	if !s.limits.Inflight.Acquire(r.Context(), s.limits.Wait) {
		return "", &refusal{
			err:    roster.Errorf(roster.EUNAVAILABLE, "the server is busy: retry in a second"),
			reason: "inflight", retryAfter: time.Second, tenantID: tenantID,
		}
	}
	return tenantID, nil
}

// tenantBucket takes a request from the tenant's bucket, waiting for room at
// most Limits.Wait, or returns the refusal.
func (s *Server) tenantBucket(ctx context.Context, tenantID string) error {
	d, ok := s.limits.Tenants.Wait(ctx, tenantID, s.limits.Wait)
	if ok {
		return nil
	}
	return &refusal{
		err:    roster.Errorf(roster.ERATELIMIT, "too many requests for this tenant: retry in %ds", retryAfterSeconds(d)),
		reason: "tenant", retryAfter: d, tenantID: tenantID,
	}
}

// readAhead reads the request body (at most limit bytes) into memory, so that
// a client sending it slowly holds no in-flight slot meanwhile.
func (s *Server) readAhead(w http.ResponseWriter, r *http.Request, limit int64) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	if err != nil {
		return roster.Errorf(roster.EINVALIDSYNTAX, "the body could not be read: %s", err.Error())
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	if op := opOf(r.Context()); op != nil {
		op.reqBody = b
	}
	return nil
}

// presentedPrefix returns the prefix of the SCIM token or access token a
// request presents, or "".
func presentedPrefix(r *http.Request) string {
	secret, _, err := credential(r)
	if err != nil {
		return ""
	}
	return cmp.Or(roster.TokenPrefix(secret), roster.AccessTokenPrefix(secret))
}

// authFailed counts a failed authentication against the source address and
// the prefix of the token or client presented ("" for none): SCIM requests
// and the token endpoint's client authentications alike. It returns err
// after a delay once failures repeat, or a refusal once they are spent.
func (s *Server) authFailed(r *http.Request, prefix string, err error) error {
	delay, d, blocked := s.limits.Addresses.Fail(httpx.ClientAddr(r, s.limits.TrustProxy))
	if blocked {
		return authRefusal("auth_address", d)
	}
	if prefix != "" {
		pdelay, d, blocked := s.limits.Prefixes.Fail(prefix)
		if blocked {
			return authRefusal("auth_token", d)
		}
		delay = max(delay, pdelay)
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
	}
	return err
}

func authRefusal(reason string, d time.Duration) *refusal {
	return &refusal{
		err:    roster.Errorf(roster.ERATELIMIT, "too many failed authentications: retry in %ds", retryAfterSeconds(d)),
		reason: reason, retryAfter: d,
	}
}

// refused sets the Retry-After of a refusal, counts it and logs it.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, e *refusal) {
	w.Header().Set("Retry-After", fmt.Sprint(retryAfterSeconds(e.retryAfter)))
	s.metrics.RateLimited(e.reason)
	s.log.Warn("rate limited", "request_id", httpx.RequestID(r.Context()), "tenant_id", e.tenantID,
		"reason", e.reason, "addr", httpx.ClientAddr(r, s.limits.TrustProxy), "retry_after_s", retryAfterSeconds(e.retryAfter))
}
