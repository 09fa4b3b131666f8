// Package httpx holds the middleware every Roster listener shares: request ids,
// access logging, request metrics and panic recovery; and the source address
// of a request, for the limits.
package httpx

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// RequestIDHeader carries the request id on requests and responses.
const RequestIDHeader = "X-Request-Id"

type ctxKey int

const (
	requestIDKey ctxKey = iota
	infoKey
)

// info is filled by inner handlers for the access log.
type info struct{ tenant string }

// SetTenant records the authenticated tenant for the request's log line.
func SetTenant(ctx context.Context, tenantID string) {
	if in, ok := ctx.Value(infoKey).(*info); ok {
		in.tenant = tenantID
	}
}

// RequestID returns the request id stored in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// saneID reports whether a client-supplied request id may be reused: short and
// made of characters that are safe in logs and headers.
func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observer receives each answered request: its method, the pattern of the
// route that matched it (UnmatchedRoute for none), its status and duration.
type Observer interface {
	ObserveRequest(method, route string, status int, d time.Duration)
}

// UnmatchedRoute is the route of requests that no pattern matched.
const UnmatchedRoute = "unmatched"

// Wrap returns h with a request id on every request and response, one log line
// per request, an observation per request for obs (when not nil), and recovery
// from panics (logged, answered 500). h should be a ServeMux, or hand requests
// to one unchanged, so that the matched pattern is left in the request (r.Pattern).
func Wrap(h http.Handler, log *slog.Logger, obs Observer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !saneID(id) {
			id = roster.NewRequestID(time.Now())
		}
		w.Header().Set(RequestIDHeader, id)
		in := &info{}
		r = r.WithContext(context.WithValue(WithRequestID(r.Context(), id), infoKey, in))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", v)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			d := time.Since(start)
			status := sw.status
			if status == 0 {
				status = http.StatusOK // what net/http sends for a handler that wrote nothing
			}
			route := r.Pattern
			if route == "" {
				route = UnmatchedRoute
			}
			if obs != nil {
				obs.ObserveRequest(r.Method, route, status, d)
			}
			if log.Enabled(r.Context(), slog.LevelInfo) {
				// Typed attributes: no value boxed per request.
				log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", id), slog.String("tenant_id", in.tenant),
					slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
					slog.Int("status", status), slog.Int("bytes", sw.size), slog.Float64("latency_ms", float64(d.Microseconds())/1000))
			}
		}()
		h.ServeHTTP(sw, r)
	})
}

// ClientAddr returns the address a request came from: the host of its remote
// address, or, when trustProxy is set, the last address in X-Forwarded-For
// (the one the proxy in front of Roster saw). Set trustProxy only behind a
// proxy that appends to that header; otherwise clients choose their address.
func ClientAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
			last := v[len(v)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
