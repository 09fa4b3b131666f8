// Package maintenance runs a server's periodic upkeep: the pruners of events,
// of provisioning log rows and of sign-in state and the purgers of retired
// users and deleted groups, each at start and then every
// hour, each run recorded (when, and what it did or why it failed) where
// roster log --pruner-status and the metrics read it.
//
// It is background work with no operator behind it and no audit row, so it
// is not part of package admin, whose operations are operators' actions.
package maintenance

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/provlog"
)

// Task is one maintenance job.
type Task struct {
	// Name is what the task's runs are recorded under.
	Name string
	// Run does the task once and says what it did.
	Run func(ctx context.Context) (detail string, err error)
}

// RunRecorder is where the runs of tasks are recorded.
type RunRecorder interface {
	RecordRun(ctx context.Context, name string, at time.Time, detail string) error
}

// Options configures Run; zero values take the defaults.
type Options struct {
	// Every is the time between two runs of a task (default an hour).
	Every time.Duration
	// Clock tells the time of each run (default time.Now).
	Clock  roster.Clock
	Logger *slog.Logger
	// Tick returns the ticks of one task's loop and a function that stops
	// them (default a time.Ticker of Every): tests run tasks through it
	// without waiting.
	Tick func(every time.Duration) (<-chan time.Time, func())
}

// Run runs every task at once and then every opts.Every until ctx ends, each
// in a goroutine of its own, so that a slow task holds up no other, and
// records each run in rec; a failure is logged and recorded, and the task
// runs again at its next tick. Run returns when every task has stopped.
func Run(ctx context.Context, rec RunRecorder, tasks []Task, opts Options) {
	if opts.Every <= 0 {
		opts.Every = time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Tick == nil {
		opts.Tick = func(every time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(every)
			return t.C, t.Stop
		}
	}
	var wg sync.WaitGroup
	for _, task := range tasks {
		wg.Go(func() { loop(ctx, rec, task, opts) })
	}
	wg.Wait()
}

// loop runs task at once and at every tick until ctx ends.
func loop(ctx context.Context, rec RunRecorder, task Task, opts Options) {
	ticks, stop := opts.Tick(opts.Every)
	defer stop()
	for {
		runOnce(ctx, rec, task, opts)
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}

// runOnce runs task and records the run, unless ctx ended meanwhile: a run
// cut short by shutdown is not one to report.
func runOnce(ctx context.Context, rec RunRecorder, task Task, opts Options) {
	start := opts.Clock()
	detail, err := task.Run(ctx)
	if err != nil {
		detail = "failed: " + err.Error()
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		opts.Logger.Error("maintenance", "task", task.Name, "err", err)
	}
	if err := rec.RecordRun(ctx, task.Name, start, detail); err != nil {
		opts.Logger.Error("maintenance: record run", "task", task.Name, "err", err)
	}
}

// Names of the pruners' tasks; the log pruner's is provlog.PrunerName.
const (
	EventPruner   = "event-pruner"
	SignInPruner  = "sign-in-pruner"
	SessionPruner = "console-session-pruner"
	UserPurger    = "user-purger"
	GroupPurger   = "group-purger"
	// AccessTokenPruner deletes the expired access tokens of OAuth clients.
	AccessTokenPruner = "access-token-pruner"
)

// DefaultRestoreRetention is how long a deleted or retired user, or a deleted
// group, stays restorable (roster user restore, roster group restore) when
// Retention.Restore is zero.
const DefaultRestoreRetention = 30 * 24 * time.Hour

// SignInRetention is how long ended and expired sessions are kept, for the
// record of who was signed in when.
const SignInRetention = 7 * 24 * time.Hour

// PruneStore is what the pruners delete from.
type PruneStore interface {
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
	PruneLog(ctx context.Context, before time.Time) (int64, error)
	PruneSignIn(ctx context.Context, before time.Time) (codes, sessions int64, err error)
	PruneOperatorSessions(ctx context.Context, idle, absolute time.Time) (int64, error)
	PurgeRetiredUsers(ctx context.Context, before time.Time) (int64, error)
	PurgeRetiredGroups(ctx context.Context, before time.Time) (int64, error)
	PruneAccessTokens(ctx context.Context, before time.Time) (int64, error)
}

// Retention is how long the pruners keep what they delete.
type Retention struct {
	Events time.Duration // events
	Log    time.Duration // provisioning log rows
	// Restore is how long a retired user or a deleted group stays
	// restorable before its purger removes it for good (zero:
	// DefaultRestoreRetention).
	Restore time.Duration
}

// Pruners returns the tasks that delete, as of now's time at each run, the
// events and provisioning log rows older than their retention, and the
// sign-in codes and one-time ids past their expiry and the sessions ended
// more than SignInRetention ago, the console sessions past their bounds and
// the OAuth clients' expired access tokens;
// and the tasks that purge the users retired and the groups deleted longer
// than r.Restore ago.
func Pruners(st PruneStore, r Retention, now roster.Clock) []Task {
	if r.Restore <= 0 {
		r.Restore = DefaultRestoreRetention
	}
	return []Task{
		{Name: EventPruner, Run: func(ctx context.Context) (string, error) {
			n, err := st.PruneEvents(ctx, now().Add(-r.Events))
			return fmt.Sprintf("deleted %d events older than %s", n, r.Events), err
		}},
		{Name: provlog.PrunerName, Run: func(ctx context.Context) (string, error) {
			n, err := st.PruneLog(ctx, now().Add(-r.Log))
			return fmt.Sprintf("deleted %d rows older than %s", n, r.Log), err
		}},
		{Name: SignInPruner, Run: func(ctx context.Context) (string, error) {
			codes, sessions, err := st.PruneSignIn(ctx, now().Add(-SignInRetention))
			return fmt.Sprintf("deleted %d expired codes and one-time ids and %d sessions ended more than %s ago", codes, sessions, SignInRetention), err
		}},
		{Name: SessionPruner, Run: func(ctx context.Context) (string, error) {
			t := now()
			n, err := st.PruneOperatorSessions(ctx, t.Add(-admin.SessionIdle), t.Add(-admin.SessionAbsolute))
			return fmt.Sprintf("deleted %d console sessions idle %s or older than %s", n, admin.SessionIdle, admin.SessionAbsolute), err
		}},
		{Name: UserPurger, Run: func(ctx context.Context) (string, error) {
			n, err := st.PurgeRetiredUsers(ctx, now().Add(-r.Restore))
			return fmt.Sprintf("purged %d users retired more than %s ago", n, r.Restore), err
		}},
		{Name: GroupPurger, Run: func(ctx context.Context) (string, error) {
			n, err := st.PurgeRetiredGroups(ctx, now().Add(-r.Restore))
			return fmt.Sprintf("purged %d groups deleted more than %s ago", n, r.Restore), err
		}},
		{Name: AccessTokenPruner, Run: func(ctx context.Context) (string, error) {
			n, err := st.PruneAccessTokens(ctx, now())
			return fmt.Sprintf("deleted %d expired access tokens of OAuth clients", n), err
		}},
	}
}
