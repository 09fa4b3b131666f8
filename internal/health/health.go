// Package health serves Roster's health checks: /livez (and its alias
// /healthz) answers 200 while the process serves, touching nothing else;
// /readyz answers 200 only when every readiness check passes, 503 otherwise.
// With ?verbose, both list each check with ok or failed.
//
// Why a check failed is logged, never answered: the public listener serves
// these routes too, and a database error may name hosts and users.
package health

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Check is one condition of readiness.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Handler answers the health routes.
type Handler struct {
	checks  []Check
	timeout time.Duration
	log     *slog.Logger
}

// New returns a handler whose readiness runs checks in order, each bounded by
// timeout.
func New(log *slog.Logger, timeout time.Duration, checks ...Check) *Handler {
	return &Handler{checks: checks, timeout: timeout, log: log}
}

// Register adds /livez, /healthz and /readyz to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /livez", h.handleLive)
	mux.HandleFunc("GET /healthz", h.handleLive)
	mux.HandleFunc("GET /readyz", h.handleReady)
}

func (h *Handler) handleLive(w http.ResponseWriter, r *http.Request) {
	write(w, r, http.StatusOK, "[+]ping ok\n", "livez check passed\n")
}

func (h *Handler) handleReady(w http.ResponseWriter, r *http.Request) {
	var (
		list   strings.Builder
		failed bool
	)
	for _, c := range h.checks {
		ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
		err := c.Run(ctx)
		cancel()
		if err != nil {
			failed = true
			h.log.Warn("readiness check failed", "check", c.Name, "err", err)
			fmt.Fprintf(&list, "[-]%s failed\n", c.Name)
			continue
		}
		fmt.Fprintf(&list, "[+]%s ok\n", c.Name)
	}
	if failed {
		write(w, r, http.StatusServiceUnavailable, list.String(), "readyz check failed\n")
		return
	}
	write(w, r, http.StatusOK, list.String(), "readyz check passed\n")
}

// write answers status with the verdict, preceded by the list of checks when
// the query asks for it.
func write(w http.ResponseWriter, r *http.Request, status int, list, verdict string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.URL.Query().Has("verbose") {
		fmt.Fprint(w, list)
	}
	fmt.Fprint(w, verdict)
}
