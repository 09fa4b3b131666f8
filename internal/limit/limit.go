// Package limit keeps Roster's request limits: a token bucket per tenant whose
// settings follow the store within a second, a limiter of failed
// authentications per key (source address, token prefix), and a cap on the
// requests doing store work at once.
//
// Limits are per process: instances behind one load balancer each apply them.
package limit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
)

// TenantSource reads tenants with their settings; roster.TenantStore is one.
type TenantSource interface {
	Tenant(ctx context.Context, idOrName string) (*roster.Tenant, error)
}

// TenantOptions configure Tenants. Zero values take the defaults below.
type TenantOptions struct {
	// Default applies to tenants whose settings leave a field zero. A zero
	// Default.Rate leaves those tenants unlimited; Default.Burst defaults to 1.
	Default roster.RateLimit
	// Reload is how old a tenant's settings may grow before the next request
	// reads them again (default 1s).
	Reload time.Duration
	Clock  roster.Clock
	Logger *slog.Logger
}

// Tenants holds a token bucket per tenant.
type Tenants struct {
	src  TenantSource
	opts TenantOptions

	mu      sync.Mutex
	buckets map[string]*bucket
}

// bucket is one tenant's limiter and when its settings were read.
type bucket struct {
	lim     *rate.Limiter
	loaded  time.Time
	loading bool // a request is reading the settings
}

// NewTenants returns the buckets of the tenants in src.
func NewTenants(src TenantSource, opts TenantOptions) *Tenants {
	if opts.Reload <= 0 {
		opts.Reload = time.Second
	}
	if opts.Default.Burst <= 0 {
		opts.Default.Burst = 1
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Tenants{src: src, opts: opts, buckets: map[string]*bucket{}}
}

// Wait takes one request from the tenant's bucket, waiting for it up to max
// and never past ctx's deadline. When the bucket cannot give one in time, Wait
// takes nothing and returns false with the time until it could.
func (t *Tenants) Wait(ctx context.Context, tenantID string, max time.Duration) (retryAfter time.Duration, ok bool) {
	if t == nil {
		return 0, true
	}
	lim := t.limiter(ctx, tenantID)
	if lim.Allow() {
		return 0, true
	}
	wctx, cancel := context.WithTimeout(ctx, max)
	defer cancel()
	if err := lim.Wait(wctx); err == nil {
		return 0, true
	}
	return untilNext(lim), false
}

// limiter returns the tenant's limiter. When its settings are older than the
// reload interval, the first request to notice reads them again; the others go
// on with the settings they have.
func (t *Tenants) limiter(ctx context.Context, tenantID string) *rate.Limiter {
	now := t.opts.Clock()
	t.mu.Lock()
	b := t.buckets[tenantID]
	if b == nil {
		r, n := t.effective(roster.RateLimit{})
		b = &bucket{lim: rate.NewLimiter(r, n)}
		t.buckets[tenantID] = b
	}
	stale := !b.loading && now.Sub(b.loaded) >= t.opts.Reload
	if stale {
		b.loading = true
	}
	t.mu.Unlock()
	if stale {
		t.reload(ctx, tenantID, b)
	}
	return b.lim
}

// reload applies the tenant's stored settings to its limiter. On a failure the
// limiter keeps its settings until the next reload.
func (t *Tenants) reload(ctx context.Context, tenantID string, b *bucket) {
	tn, err := t.src.Tenant(ctx, tenantID)
	if err == nil {
		r, n := t.effective(tn.Settings.RateLimit)
		b.lim.SetLimit(r)
		b.lim.SetBurst(n)
	} else {
		t.opts.Logger.Warn("reload tenant rate limit", "tenant_id", tenantID, "err", err)
	}
	t.mu.Lock()
	b.loaded = t.opts.Clock()
	b.loading = false
	t.mu.Unlock()
}

// effective fills the zero fields of l with the defaults.
func (t *Tenants) effective(l roster.RateLimit) (rate.Limit, int) {
	if l.Rate == 0 {
		l.Rate = t.opts.Default.Rate
	}
	if l.Burst == 0 {
		l.Burst = t.opts.Default.Burst
	}
	if l.Rate == 0 {
		return rate.Inf, l.Burst
	}
	return rate.Limit(l.Rate), l.Burst
}

// untilNext returns how long until lim would give one token.
func untilNext(lim *rate.Limiter) time.Duration {
	r := lim.Reserve()
	defer r.Cancel()
	if !r.OK() {
		return time.Second
	}
	return r.Delay()
}

// FailureOptions configure Failures. Zero values take the defaults below.
type FailureOptions struct {
	// Burst failures are answered at once (default 10); then one more per
	// Every (default 1s).
	Burst int
	Every time.Duration
	// SlowDown delays the answer to each failure once half the burst is spent
	// (default 500ms).
	SlowDown time.Duration
	// MaxKeys bounds the keys remembered (default 10,000). Keys whose bucket
	// has refilled are forgotten first; past the bound, all are.
	MaxKeys int
	Clock   roster.Clock
}

// Failures limits failed attempts per key, such as failed authentications per
// source address. Only failures are counted: a caller checks the attempt
// first and calls Fail when it failed, or, when checking is dear (a password
// hash), Reserves the failure before checking and Refunds it on success.
// Attempts refused while a key is blocked cost nothing, so a key that keeps
// trying is free again one Every after its last counted failure.
type Failures struct {
	opts FailureOptions

	mu   sync.Mutex
	keys map[string]*failBucket
}

// failBucket holds the failures a key has left, as of at.
type failBucket struct {
	left float64
	at   time.Time
}

// NewFailures returns an empty failure limiter.
func NewFailures(opts FailureOptions) *Failures {
	if opts.Burst <= 0 {
		opts.Burst = 10
	}
	if opts.Every <= 0 {
		opts.Every = time.Second
	}
	if opts.SlowDown <= 0 {
		opts.SlowDown = 500 * time.Millisecond
	}
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 10000
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Failures{opts: opts, keys: map[string]*failBucket{}}
}

// Blocked reports whether key has spent its failures, and if so how long until
// it may fail again. It counts nothing.
func (f *Failures) Blocked(key string) (retryAfter time.Duration, blocked bool) {
	if f == nil {
		return 0, false
	}
	now := f.opts.Clock()
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.keys[key]
	if b == nil {
		return 0, false
	}
	f.refill(b, now)
	if b.left >= 1 {
		return 0, false
	}
	return f.untilOne(b), true
}

// Fail records a failure of key. It returns how long to delay the answer to
// it, or, when key had no failure left, blocked and the time until it has; a
// blocked failure is not counted.
func (f *Failures) Fail(key string) (delay, retryAfter time.Duration, blocked bool) {
	if f == nil {
		return 0, 0, false
	}
	now := f.opts.Clock()
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bucket(key, now)
	if b.left < 1 {
		return 0, f.untilOne(b), true
	}
	b.left--
	if b.left < float64(f.opts.Burst)/2 {
		delay = f.opts.SlowDown
	}
	return delay, 0, false
}

// A Reservation is a failure counted in advance by Reserve.
type Reservation struct {
	f   *Failures
	key string
}

// Reserve counts a failure of key before the attempt is checked, so that
// attempts made at once cannot all pass a check made before any of them
// failed: of n concurrent attempts with b failures left, b get a reservation.
// When key has no failure left it returns blocked and the time until it has,
// counting nothing. The caller Refunds the reservation when the attempt
// succeeded or was not checked.
func (f *Failures) Reserve(key string) (res *Reservation, retryAfter time.Duration, blocked bool) {
	if f == nil {
		return nil, 0, false
	}
	if _, d, blocked := f.Fail(key); blocked {
		return nil, d, true
	}
	return &Reservation{f: f, key: key}, 0, false
}

// Refund gives back the failure counted by Reserve. A nil reservation is a no-op.
func (r *Reservation) Refund() {
	if r == nil {
		return
	}
	f := r.f
	now := f.opts.Clock()
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bucket(r.key, now)
	b.left = min(b.left+1, float64(f.opts.Burst))
}

// refill adds the failures earned since b was last read.
func (f *Failures) refill(b *failBucket, now time.Time) {
	if now.After(b.at) {
		b.left = min(float64(f.opts.Burst), b.left+float64(now.Sub(b.at))/float64(f.opts.Every))
		b.at = now
	}
}

// untilOne returns how long until b, just refilled, holds one failure.
func (f *Failures) untilOne(b *failBucket) time.Duration {
	return time.Duration((1 - b.left) * float64(f.opts.Every))
}

// bucket returns key's bucket refilled to now, making room for it when there
// are too many. f.mu must be held.
func (f *Failures) bucket(key string, now time.Time) *failBucket {
	if b := f.keys[key]; b != nil {
		f.refill(b, now)
		return b
	}
	if len(f.keys) >= f.opts.MaxKeys {
		for k, b := range f.keys {
			if f.refill(b, now); b.left >= float64(f.opts.Burst) {
				delete(f.keys, k)
			}
		}
		if len(f.keys) >= f.opts.MaxKeys {
			clear(f.keys)
		}
	}
	b := &failBucket{left: float64(f.opts.Burst), at: now}
	f.keys[key] = b
	return b
}

// Inflight caps how many requests do store work at once.
type Inflight struct {
	slots chan struct{}
}

// NewInflight returns a cap of n; nil (no cap) when n is not positive.
func NewInflight(n int) *Inflight {
	if n <= 0 {
		return nil
	}
	return &Inflight{slots: make(chan struct{}, n)}
}

// Acquire takes a slot, waiting for one up to max and never past ctx's
// deadline. It returns false when none came free; otherwise the caller must
// Release the slot.
func (i *Inflight) Acquire(ctx context.Context, max time.Duration) bool {
	if i == nil {
		return true
	}
	select {
	case i.slots <- struct{}{}:
		return true
	default:
	}
	timer := time.NewTimer(max)
	defer timer.Stop()
	select {
	case i.slots <- struct{}{}:
		return true
	case <-timer.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// Release returns a slot taken by Acquire.
func (i *Inflight) Release() {
	if i != nil {
		<-i.slots
	}
}
