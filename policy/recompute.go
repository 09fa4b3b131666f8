package policy

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster"
)

// RecomputeStore is what a Recomputer needs of the store.
type RecomputeStore interface {
	Policy(ctx context.Context, tenantID string) (*roster.Policy, error)
	ClaimRecompute(ctx context.Context, owner string, now, until time.Time) (*roster.Recompute, error)
	RecomputeBatch(ctx context.Context, r *roster.Recompute, n int, entitle func(map[string]any) roster.Entitlements, until time.Time) error
}

// RecomputeOptions tune a Recomputer; zero values take the defaults.
type RecomputeOptions struct {
	Owner    string        // this server's name in leases: a new one when empty
	Batch    int           // users per transaction: 500
	Lease    time.Duration // how long a claim holds without a batch: 30 s
	Interval time.Duration // how often to look for work: 1 s
	// Settle is how long after a policy is set its recomputation starts, so
	// that every server applies the policy to its own writes first (a write
	// made under the old policy after the recomputation passed its user would
	// keep the old entitlements): 2 s; negative: none.
	Settle time.Duration
	Clock  func() time.Time
	Logger *slog.Logger
}

// A Recomputer brings existing users' entitlements in line with their
// tenant's new policy: setting a policy starts a recomputation in the store,
// and one server (whichever claims it; the claim is a lease, so that another
// takes over when it stops) walks the tenant's users in batches.
type Recomputer struct {
	store RecomputeStore
	opts  RecomputeOptions
	// users and changed count the users this server recomputed, and those
	// whose entitlements changed.
	users, changed atomic.Int64
	// pending is how many users the recomputation running here has left.
	pending atomic.Int64
}

// NewRecomputer returns a Recomputer over st.
func NewRecomputer(st RecomputeStore, opts RecomputeOptions) *Recomputer {
	if opts.Owner == "" {
		opts.Owner = "recompute-" + uuid.NewString()
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Settle == 0 {
		opts.Settle = 2 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Recomputer{store: st, opts: opts}
}

// Users returns how many users this server recomputed.
func (rc *Recomputer) Users() int64 { return rc.users.Load() }

// Changed returns how many of the users this server recomputed had their
// entitlements changed.
func (rc *Recomputer) Changed() int64 { return rc.changed.Load() }

// Pending returns how many users the recomputation this server runs has
// left (0 when it runs none).
func (rc *Recomputer) Pending() int64 { return rc.pending.Load() }

// Run looks for recomputations every Interval and runs those it claims,
// until ctx ends.
func (rc *Recomputer) Run(ctx context.Context) {
	t := time.NewTicker(rc.opts.Interval)
	defer t.Stop()
	for {
		for rc.step(ctx) {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// step claims and runs one recomputation; it reports whether it found one.
func (rc *Recomputer) step(ctx context.Context) bool {
	now := rc.opts.Clock()
	job, err := rc.store.ClaimRecompute(ctx, rc.opts.Owner, now, now.Add(rc.opts.Lease))
	if roster.ErrorCode(err) == roster.ENOTFOUND || ctx.Err() != nil {
		return false
	}
	if err != nil {
		rc.opts.Logger.Warn("policy recompute: claim", "err", err)
		return false
	}
	if err := rc.run(ctx, job); err != nil && ctx.Err() == nil {
		rc.opts.Logger.Warn("policy recompute", "tenant", job.TenantID, "version", job.Version, "err", err)
		return false
	}
	return true
}

// run recomputes job's users batch after batch.
func (rc *Recomputer) run(ctx context.Context, job *roster.Recompute) error {
	sp, err := rc.store.Policy(ctx, job.TenantID)
	if err != nil {
		return err
	}
	if sp.Version != job.Version {
		return nil // a newer policy replaced the job; it is claimed afresh
	}
	p, err := Load(sp)
	if err != nil {
		return err
	}
	if wait := job.Started.Add(rc.opts.Settle).Sub(rc.opts.Clock()); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	for job.Finished.IsZero() {
		done, changed := job.Done, job.Changed
		if err := rc.store.RecomputeBatch(ctx, job, rc.opts.Batch, p.Entitlements, rc.opts.Clock().Add(rc.opts.Lease)); err != nil {
			if roster.ErrorCode(err) == roster.EPRECONDITION {
				return nil // replaced by a newer policy, or taken over
			}
			return err
		}
		rc.users.Add(job.Done - done)
		rc.changed.Add(job.Changed - changed)
		rc.pending.Store(max(job.Total-job.Done, 0))
	}
	rc.pending.Store(0)
	rc.opts.Logger.Info("policy recompute done", "tenant", job.TenantID, "version", job.Version,
		"users", job.Done, "changed", job.Changed, "took", job.Finished.Sub(job.Started))
	return nil
}
