package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ceilingAuth stands in for a credential when the ceiling runs alone, so that
// requests carry a header of the same size as a real token's.
var ceilingAuth = "Bearer rst_" + strings.Repeat("x", 43)

// runCeiling sends each phase's requests, with the same client and concurrency,
// to a trivial handler in this process and returns what it measured per phase.
// After a run against a server, each phase is imitated with that run's mean
// body sizes and at least as many requests; alone, with the phase's typical
// sizes and --users requests; in both cases, with at least --ceiling-requests.
func (b *bencher) runCeiling(ctx context.Context) ([]phaseResult, error) {
	srv, err := startCeiling()
	if err != nil {
		return nil, err
	}
	defer srv.close()
	cfg := b.c
	cfg.Base = srv.url
	if cfg.Auth == "" {
		cfg.Auth = ceilingAuth
	}
	cb, err := newBencher(cfg)
	if err != nil {
		return nil, err
	}
	defer cb.client.CloseIdleConnections()
	var out []phaseResult
	for _, p := range b.phases() {
		sh, n := p.shape, b.c.Users
		if b.c.Base != "" {
			ran, ok := b.result(p.name)
			if !ok {
				continue
			}
			if ran.Skipped != "" {
				out = append(out, phaseResult{Name: p.name, Skipped: ran.Skipped})
				continue
			}
			sh.reqBytes, sh.resBytes, n = ran.RequestBytes, ran.ResponseBytes, max(n, ran.Requests)
		}
		r := cb.ceiling(ctx, srv, sh, max(n, b.c.CeilingRequests))
		r.Name = p.name
		out = append(out, r)
		if ctx.Err() != nil {
			break
		}
	}
	return out, nil
}

// result returns the result of the phase name of the run, if it ran.
func (b *bencher) result(name string) (phaseResult, bool) {
	for _, r := range b.results {
		if r.Name == name {
			return r, true
		}
	}
	return phaseResult{}, false
}

// ceiling sends n requests of shape sh to srv, which answers them all alike.
func (b *bencher) ceiling(ctx context.Context, srv *ceilingServer, sh shape, n int) phaseResult {
	srv.answer.Store(&cannedResponse{status: sh.status, body: bytes.Repeat([]byte("x"), sh.resBytes)})
	var body []byte
	if sh.reqBytes > 0 {
		body = bytes.Repeat([]byte("x"), sh.reqBytes)
	}
	workers := b.c.Workers
	if sh.sequential {
		workers = 1
	}
	return b.phaseOf(ctx, workers, n, func(int) request {
		return request{method: sh.method, path: "/ceiling", body: body, want: sh.status}
	})
}

// fractions sets each phase's OfCeiling from the ceiling of the same name.
func fractions(phases, ceiling []phaseResult) {
	for i := range phases {
		for _, c := range ceiling {
			if c.Name == phases[i].Name && c.PerSecond > 0 {
				phases[i].OfCeiling = 100 * phases[i].PerSecond / c.PerSecond
			}
		}
	}
}

// ceilingServer answers every request with the same status and body after
// reading the request's body: the least work an HTTP server can do per request.
type ceilingServer struct {
	url    string
	srv    *http.Server
	done   chan struct{}
	answer atomic.Pointer[cannedResponse]
}

type cannedResponse struct {
	status int
	body   []byte
}

// startCeiling starts a ceilingServer on a free port of 127.0.0.1.
func startCeiling() (*ceilingServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: ceiling: %w", err)
	}
	s := &ceilingServer{url: "http://" + ln.Addr().String(), done: make(chan struct{})}
	s.answer.Store(&cannedResponse{status: http.StatusOK})
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		// Serve returns ErrServerClosed after close; should it fail before,
		// the phases' requests fail and are counted as transport errors.
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

func (s *ceilingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	a := s.answer.Load()
	h := w.Header()
	h.Set("Content-Type", "application/scim+json")
	if len(a.body) > 0 {
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// close stops the server and waits for it.
func (s *ceilingServer) close() {
	s.srv.Close()
	<-s.done
}
