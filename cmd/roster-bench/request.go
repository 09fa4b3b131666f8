package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// request is one HTTP request of a phase and the status it must answer.
type request struct {
	method, path string
	body         []byte
	want         int
	check        func(body []byte) error // finds fault with the body of an expected status
	onBody       func(body []byte)       // called with the response body of an expected status
	auth         string                  // the Authorization header, when not the run's
	tenant       int                     // the line of --tokens whose tenant it goes to, or 0
	next         *request                // sent after this one by the same worker, when it succeeded
}

// send sends r and reads the whole response, so the connection is reused.
func (b *bencher) send(ctx context.Context, r request) (status int, body []byte, err error) {
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, b.c.Base+r.path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", cmp.Or(r.auth, b.c.Auth))
	req.Header.Set("Accept", "application/scim+json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// phase sends n requests, made by mk, from b.c.Workers workers that share a
// bounded queue of indices. It stops queueing when the duration cap passes or
// ctx ends; requests already sent finish.
func (b *bencher) phase(ctx context.Context, n int, mk func(i int) request) phaseResult {
	return b.phaseOf(ctx, b.c.Workers, n, mk)
}

// phaseOf is phase with the given number of workers.
func (b *bencher) phaseOf(ctx context.Context, workers, n int, mk func(i int) request) phaseResult {
	queue := make(chan int, workers)
	tallies := make([]tally, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range tallies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				b.measure(ctx, &tallies[w], mk(i))
			}
		}()
	}
	capped := b.feed(ctx, queue, n, start)
	wg.Wait()
	var all tally
	for _, t := range tallies {
		all.merge(t)
	}
	r := all.result(time.Since(start))
	r.Capped = capped
	return r
}

// feed queues 0..n-1 and closes queue; it reports whether the cap cut it short.
func (b *bencher) feed(ctx context.Context, queue chan<- int, n int, start time.Time) (capped bool) {
	defer close(queue)
	timer := time.NewTimer(b.c.Cap - time.Since(start))
	defer timer.Stop()
	for i := range n {
		select {
		case queue <- i:
		case <-timer.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	return false
}

// measure sends r, timing it from the first byte written to the last byte
// read, then r.next when r succeeded. A request ctx cut off is not counted.
func (b *bencher) measure(ctx context.Context, t *tally, r request) {
	start := time.Now()
	status, body, err := b.send(ctx, r)
	d := time.Since(start)
	if err != nil && ctx.Err() != nil {
		return
	}
	problem := ""
	switch {
	case err != nil:
		problem = err.Error()
	case status != r.want:
		problem = fmt.Sprintf("%d, want %d: %s", status, r.want, snippet(body))
	case r.check != nil:
		if err := r.check(body); err != nil {
			problem = fmt.Sprintf("%d: %v: %s", status, err, snippet(body))
		}
	}
	t.add(d, status, problem == "")
	t.reqBytes += int64(len(r.body))
	t.resBytes += int64(len(body))
	if r.tenant > 0 {
		t.byTenant(r.tenant, d)
	}
	if problem != "" {
		t.note(fmt.Sprintf("%s %s: %s", r.method, r.path, problem))
		return
	}
	if r.onBody != nil {
		r.onBody(body)
	}
	if r.next != nil {
		b.measure(ctx, t, *r.next)
	}
}

// snippet shortens a response body for an error note.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
