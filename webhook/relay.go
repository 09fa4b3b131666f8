// Package webhook delivers the outbox to the host application's endpoints,
// signed as the Standard Webhooks specification says, at least once and in
// order per endpoint: the event after an endpoint's cursor is sent only when
// every event before it was acknowledged with a 2xx.
//
// Each endpoint is a row with its cursor and failure state. A relay takes an
// endpoint with a short lease in the store, so that of several Roster
// instances on one database only one delivers to it at a time; a crash leaves
// the lease to expire, and the next holder resends from the cursor (the only
// case of a duplicate). Endpoints are served by separate goroutines, so a slow
// or failing one delays nobody else, and SCIM requests never wait for any.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/api"
	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/notify"
)

// Options configures a Relay.
type Options struct {
	// Poll is how often the relay looks for due endpoints and events written by
	// other processes (default 1s); writes of this process wake it at once.
	Poll time.Duration
	// Lease is how long an endpoint stays taken without renewal (default 30s).
	Lease time.Duration
	// Timeout bounds one delivery request (default 10s).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a retry (default 5s, 1h);
	// the wait doubles with each failure, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// GiveUp is how long an endpoint may fail before it is marked failing and
	// left until resumed (default 72h).
	GiveUp time.Duration
	// Workers bounds the endpoints delivered to at once (default 16).
	Workers int
	Client  *http.Client
	Notify  *notify.Broadcaster
	Logger  *slog.Logger
	Clock   roster.Clock
	// Sealer opens the signing secrets, stored sealed (see SealSecret), and
	// seals those found stored as they are. Nil: no secret key is configured,
	// and only secrets stored as they are can sign.
	Sealer Sealer
}

// Relay delivers events to webhooks.
type Relay struct {
	store roster.Store
	opts  Options
	owner string // this relay's name in leases

	mu   sync.Mutex
	busy map[string]bool // endpoints with a delivery goroutine
	// kick wakes Run when a delivery goroutine ends, so that a retry due soon
	// is scheduled without waiting for the next poll.
	kick chan struct{}
}

// New returns a relay over store.
func New(store roster.Store, opts Options) *Relay {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 5 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Hour
	}
	if opts.GiveUp <= 0 {
		opts.GiveUp = 72 * time.Hour
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: opts.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is not an acknowledgement
		}}
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
	return &Relay{store: store, opts: opts, owner: "relay-" + uuid.NewString(), busy: map[string]bool{}, kick: make(chan struct{}, 1)}
}

// Run delivers until ctx ends, then waits for the deliveries in flight.
func (r *Relay) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, r.opts.Workers)
	for {
		woken := r.opts.Notify.C()
		ws, err := r.store.Webhooks(ctx)
		if err != nil && ctx.Err() == nil {
			r.opts.Logger.ErrorContext(ctx, "webhooks: list", "err", err)
		}
		r.sealStored(ctx, ws)
		now := r.opts.Clock()
		wake := r.opts.Poll // until the next poll, or the next retry when sooner
		for _, w := range ws {
			if w.Failed.IsZero() && w.NextAttempt.After(now) {
				wake = min(wake, w.NextAttempt.Sub(now))
			}
			if !w.Failed.IsZero() || w.NextAttempt.After(now) || !r.take(w.ID) {
				continue
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				r.done(w.ID, false)
				return
			}
			wg.Go(func() {
				retry := r.serve(ctx, w.ID)
				<-slots
				r.done(w.ID, retry)
			})
		}
		timer := time.NewTimer(wake)
	wait:
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-woken:
				if len(ws) == 0 {
					// No endpoint to deliver to: a write needs no new list,
					// and an endpoint added meanwhile is found at the next
					// poll. (Listing on every write cost the server 6-7% of
					// its CPU under roster-bench with no webhook at all.)
					woken = r.opts.Notify.C()
					continue
				}
				break wait
			case <-r.kick:
				break wait
			case <-timer.C:
				break wait
			}
		}
		timer.Stop()
	}
}

func (r *Relay) take(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.busy[id] {
		return false
	}
	r.busy[id] = true
	return true
}

// done marks the endpoint free; retry wakes Run to schedule its next attempt.
func (r *Relay) done(id string, retry bool) {
	r.mu.Lock()
	delete(r.busy, id)
	r.mu.Unlock()
	if !retry {
		return
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// batch is how many events are read at once for one endpoint.
const batch = 100

// serve leases the endpoint and delivers its events in order until it has
// none left, fails, or loses the lease; it reports whether a delivery failed
// (and so a retry is scheduled).
//
// Attempts are recorded, with the cursor they moved, in one transaction per
// run of up to flushEvery events or flushAfter: a crash then resends at most
// that run, and a busy endpoint costs one durable write per run, not per event.
func (r *Relay) serve(ctx context.Context, id string) (failed bool) {
	for ctx.Err() == nil {
		now := r.opts.Clock()
		w, err := r.store.LeaseWebhook(ctx, id, r.owner, now, now.Add(r.opts.Lease))
		if err != nil {
			if ctx.Err() == nil {
				r.opts.Logger.ErrorContext(ctx, "webhooks: lease", "webhook", id, "err", err)
			}
			return false
		}
		if w == nil {
			return false // not due, or another relay holds it
		}
		// Taken before the read: a write that commits after the read closes it,
		// and the endpoint is served again instead of waiting for the next poll.
		woken := r.opts.Notify.C()
		es, err := r.store.Events(ctx, roster.EventQuery{TenantID: w.TenantID, After: w.Cursor, Types: w.Types, Limit: batch})
		if err != nil {
			r.release(ctx, id)
			return false
		}
		if len(es) == 0 {
			r.release(ctx, id)
			select {
			case <-woken:
				continue
			default:
				return false
			}
		}
		ok, err := r.deliverRun(ctx, w, es)
		if err != nil || !ok {
			// Lost the lease or shutting down, or a failure that waits for its retry.
			r.release(ctx, id)
			return err == nil
		}
	}
	return false
}

const (
	flushEvery = 100
	flushAfter = 250 * time.Millisecond
)

// deliverRun sends es in order, recording the attempts as it goes; it reports
// whether all were acknowledged.
func (r *Relay) deliverRun(ctx context.Context, w *roster.Webhook, es []*roster.Event) (bool, error) {
	var pending []*roster.Delivery
	flushed := r.opts.Clock()
	flush := func() error {
		now := r.opts.Clock()
		err := r.store.RecordDeliveries(context.WithoutCancel(ctx), r.owner, w, pending, now.Add(r.opts.Lease))
		pending, flushed = nil, now
		return err
	}
	for _, e := range es {
		d, err := r.attempt(ctx, w, e)
		if err != nil {
			return false, errors.Join(err, flush())
		}
		pending = append(pending, d)
		if !d.Acked() {
			return false, flush()
		}
		if len(pending) >= flushEvery || r.opts.Clock().Sub(flushed) >= flushAfter {
			if err := flush(); err != nil {
				return false, err
			}
		}
	}
	return true, flush()
}

// attempt sends one event and updates w's delivery state in memory; it
// returns the attempt, or an error when ctx ended before an answer came.
func (r *Relay) attempt(ctx context.Context, w *roster.Webhook, e *roster.Event) (*roster.Delivery, error) {
	ae, err := api.NewEvent(e)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(ae)
	if err != nil {
		return nil, err
	}
	d := &roster.Delivery{Seq: e.Seq, EventID: e.ID, EventType: e.Type, Attempt: w.Attempts + 1, Time: r.opts.Clock().UTC()}
	d.Status, d.Error = r.post(ctx, w, e.ID, body)
	d.Duration = r.opts.Clock().Sub(d.Time)
	if ctx.Err() != nil && d.Status == 0 {
		return nil, ctx.Err() // shutting down: the attempt does not count
	}
	if d.Acked() {
		w.Cursor, w.Attempts, w.NextAttempt, w.FailingSince, w.LastError = e.Seq, 0, time.Time{}, time.Time{}, ""
		return d, nil
	}
	now := r.opts.Clock().UTC()
	w.Attempts++
	if w.FailingSince.IsZero() {
		w.FailingSince = d.Time
	}
	w.NextAttempt = now.Add(r.backoff(w.Attempts))
	w.LastError = d.Error
	if now.Sub(w.FailingSince) >= r.opts.GiveUp {
		w.Failed = now
		r.opts.Logger.WarnContext(ctx, "webhook marked failing", "webhook", w.ID, "url", w.URL, "since", w.FailingSince, "err", d.Error)
	}
	return d, nil
}

func (r *Relay) release(ctx context.Context, id string) {
	if err := r.store.ReleaseWebhook(context.WithoutCancel(ctx), id, r.owner); err != nil {
		r.opts.Logger.WarnContext(ctx, "webhooks: release", "webhook", id, "err", err)
	}
}

// post sends the signed request and returns the status, or 0 and what went wrong.
func (r *Relay) post(ctx context.Context, w *roster.Webhook, msgID string, body []byte) (int, string) {
	ts := r.opts.Clock()
	secret, err := OpenSecret(r.opts.Sealer, w.Secret)
	if err != nil {
		return 0, err.Error()
	}
	sig, err := client.SignWebhook(secret, msgID, ts, body)
	if err != nil {
		return 0, err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Roster-Webhooks/1")
	req.Header.Set("webhook-id", msgID)
	req.Header.Set("webhook-timestamp", fmt.Sprint(ts.Unix()))
	req.Header.Set("webhook-signature", sig)
	res, err := r.opts.Client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, "HTTP " + res.Status
	}
	return res.StatusCode, ""
}

// backoff returns the wait before retry n (1 for the first retry): doubling
// from MinBackoff up to MaxBackoff, with ±25% jitter so that endpoints that
// failed together do not retry together.
func (r *Relay) backoff(n int) time.Duration {
	d := r.opts.MinBackoff
	for i := 1; i < n && d < r.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.opts.MaxBackoff)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

// Test sends a webhook.test message to the endpoint at once, outside the event
// order, and returns the status the endpoint answered (0 when none) and an error text.
func (r *Relay) Test(ctx context.Context, w *roster.Webhook) (int, string) {
	id := "test_" + uuid.NewString()
	body, _ := json.Marshal(map[string]any{ // strings and a time always marshal
		"id": id, "type": "webhook.test", "tenant": w.TenantID, "occurred_at": r.opts.Clock().UTC(),
	})
	return r.post(ctx, w, id, body)
}
