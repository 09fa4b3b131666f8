package maintenance_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/maintenance"
)

var at = time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)

// runs records the runs of tasks, and sends each on a channel.
type runs chan string

func (r runs) RecordRun(ctx context.Context, name string, at time.Time, detail string) error {
	r <- fmt.Sprintf("%s at %s: %s", name, at.Format(time.TimeOnly), detail)
	return nil
}

// next returns the next n runs recorded, sorted (tasks run at once).
func (r runs) next(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	for range n {
		select {
		case s := <-r:
			got = append(got, s)
		case <-time.After(10 * time.Second):
			t.Fatalf("runs recorded: %q; want %d", got, n)
		}
	}
	slices.Sort(got)
	return got
}

// ticker hands each task's loop a channel of its own, which tick fills.
type ticker struct {
	mu      sync.Mutex
	every   []time.Duration
	chans   []chan time.Time
	stopped int
	ready   chan struct{}
}

func (tk *ticker) tick(every time.Duration) (<-chan time.Time, func()) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	c := make(chan time.Time)
	tk.every, tk.chans = append(tk.every, every), append(tk.chans, c)
	tk.ready <- struct{}{}
	return c, func() {
		tk.mu.Lock()
		defer tk.mu.Unlock()
		tk.stopped++
	}
}

// fire ticks every loop once, as an hour passing would.
func (tk *ticker) fire() {
	tk.mu.Lock()
	chans := slices.Clone(tk.chans)
	tk.mu.Unlock()
	for _, c := range chans {
		c <- at
	}
}

// TestRun runs two tasks, one failing, without waiting an hour: each runs at
// start and at each tick, every run is recorded with its time and what it did
// (or why it failed, which is logged too), and Run returns once ctx ends,
// with every ticker stopped.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	rec := make(runs, 10)
	tk := &ticker{ready: make(chan struct{}, 2)}
	var logs bytes.Buffer
	n := 0
	var mu sync.Mutex
	tasks := []maintenance.Task{
		{Name: "counter", Run: func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			return fmt.Sprintf("run %d", n), nil
		}},
		{Name: "broken", Run: func(context.Context) (string, error) { return "", errors.New("disk on fire") }},
	}
	done := make(chan struct{})
	go func() {
		maintenance.Run(ctx, rec, tasks, maintenance.Options{
			Clock: func() time.Time { return at }, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Tick: tk.tick})
		close(done)
	}()

	want := []string{"broken at 04:00:00: failed: disk on fire", "counter at 04:00:00: run 1"}
	if got := rec.next(t, 2); !slices.Equal(got, want) {
		t.Errorf("runs at start: %q, want %q", got, want)
	}
	<-tk.ready
	<-tk.ready
	tk.fire()
	want = []string{"broken at 04:00:00: failed: disk on fire", "counter at 04:00:00: run 2"}
	if got := rec.next(t, 2); !slices.Equal(got, want) {
		t.Errorf("runs after a tick: %q, want %q", got, want)
	}
	cancel()
	<-done
	tk.mu.Lock()
	defer tk.mu.Unlock()
	if tk.stopped != 2 || !slices.Equal(tk.every, []time.Duration{time.Hour, time.Hour}) {
		t.Errorf("tickers: every %v, %d stopped; want hourly, both stopped", tk.every, tk.stopped)
	}
	if s := logs.String(); strings.Count(s, "disk on fire") != 2 || !strings.Contains(s, "task=broken") {
		t.Errorf("the failures are not logged with the task:\n%s", s)
	}
	if len(rec) != 0 {
		t.Errorf("runs recorded after the end: %d", len(rec))
	}
}

// TestRunCutShort ends ctx while a task runs: the run cut short is not
// recorded, and Run returns.
func TestRunCutShort(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	rec := make(runs, 1)
	started := make(chan struct{})
	task := maintenance.Task{Name: "slow", Run: func(ctx context.Context) (string, error) {
		close(started)
		<-ctx.Done()
		return "", ctx.Err()
	}}
	done := make(chan struct{})
	go func() {
		maintenance.Run(ctx, rec, []maintenance.Task{task}, maintenance.Options{Every: time.Minute})
		close(done)
	}()
	<-started
	cancel()
	<-done
	if len(rec) != 0 {
		t.Errorf("a run cut short was recorded: %s", <-rec)
	}
}

// pruned records the cutoffs the pruners are called with.
type pruned struct{ calls []string }

func (p *pruned) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	p.calls = append(p.calls, "events before "+before.Format(time.RFC3339))
	return 3, nil
}

func (p *pruned) PruneLog(ctx context.Context, before time.Time) (int64, error) {
	p.calls = append(p.calls, "log before "+before.Format(time.RFC3339))
	return 0, errors.New("log database is locked")
}

func (p *pruned) PruneSignIn(ctx context.Context, before time.Time) (int64, int64, error) {
	p.calls = append(p.calls, "sign-in before "+before.Format(time.RFC3339))
	return 4, 5, nil
}

func (p *pruned) PruneOperatorSessions(ctx context.Context, idle, absolute time.Time) (int64, error) {
	p.calls = append(p.calls, "console sessions seen before "+idle.Format(time.RFC3339)+" or made before "+absolute.Format(time.RFC3339))
	return 2, nil
}

func (p *pruned) PurgeRetiredUsers(ctx context.Context, before time.Time) (int64, error) {
	p.calls = append(p.calls, "users retired before "+before.Format(time.RFC3339))
	return 6, nil
}

func (p *pruned) PurgeRetiredGroups(ctx context.Context, before time.Time) (int64, error) {
	p.calls = append(p.calls, "groups deleted before "+before.Format(time.RFC3339))
	return 8, nil
}

func (p *pruned) PruneAccessTokens(ctx context.Context, before time.Time) (int64, error) {
	p.calls = append(p.calls, "access tokens expired before "+before.Format(time.RFC3339))
	return 7, nil
}

// TestPruners checks each pruner's cutoff, taken from the clock at the run,
// and what it says it did.
func TestPruners(t *testing.T) {
	st := &pruned{}
	tasks := maintenance.Pruners(st, maintenance.Retention{Events: 30 * 24 * time.Hour, Log: 24 * time.Hour}, func() time.Time { return at })
	var got []string
	for _, task := range tasks {
		detail, err := task.Run(context.Background())
		got = append(got, fmt.Sprintf("%s: %s (%v)", task.Name, detail, err))
	}
	// Restore is zero: the default retention.
	want := []string{
		"event-pruner: deleted 3 events older than 720h0m0s (<nil>)",
		"log-pruner: deleted 0 rows older than 24h0m0s (log database is locked)",
		"sign-in-pruner: deleted 4 expired codes and one-time ids and 5 sessions ended more than 168h0m0s ago (<nil>)",
		"console-session-pruner: deleted 2 console sessions idle 30m0s or older than 12h0m0s (<nil>)",
		"user-purger: purged 6 users retired more than 720h0m0s ago (<nil>)",
		"group-purger: purged 8 groups deleted more than 720h0m0s ago (<nil>)",
		"access-token-pruner: deleted 7 expired access tokens of OAuth clients (<nil>)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("pruner runs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	calls := []string{"events before 2026-11-07T04:00:00Z", "log before 2026-12-06T04:00:00Z", "sign-in before 2026-11-30T04:00:00Z",
		"console sessions seen before 2026-12-07T03:30:00Z or made before 2026-12-06T16:00:00Z",
		"users retired before 2026-11-07T04:00:00Z", "groups deleted before 2026-11-07T04:00:00Z", "access tokens expired before 2026-12-07T04:00:00Z"}
	if !slices.Equal(st.calls, calls) {
		t.Errorf("cutoffs: %q, want %q", st.calls, calls)
	}
}

// TestUserPurger purges the users retired longer ago than the retention set.
func TestUserPurger(t *testing.T) {
	st := &pruned{}
	for _, task := range maintenance.Pruners(st, maintenance.Retention{Restore: 7 * 24 * time.Hour}, func() time.Time { return at }) {
		if task.Name != maintenance.UserPurger {
			continue
		}
		detail, err := task.Run(context.Background())
		if want := "purged 6 users retired more than 168h0m0s ago"; detail != want || err != nil {
			t.Errorf("user purger = %q, %v; want %q", detail, err, want)
		}
	}
	if want := []string{"users retired before 2026-11-30T04:00:00Z"}; !slices.Equal(st.calls, want) {
		t.Errorf("cutoffs: %q, want %q", st.calls, want)
	}
}

// TestGroupPurger purges the groups deleted longer ago than the retention set.
func TestGroupPurger(t *testing.T) {
	st := &pruned{}
	for _, task := range maintenance.Pruners(st, maintenance.Retention{Restore: 7 * 24 * time.Hour}, func() time.Time { return at }) {
		if task.Name != maintenance.GroupPurger {
			continue
		}
		detail, err := task.Run(context.Background())
		if want := "purged 8 groups deleted more than 168h0m0s ago"; detail != want || err != nil {
			t.Errorf("group purger = %q, %v; want %q", detail, err, want)
		}
	}
	if want := []string{"groups deleted before 2026-11-30T04:00:00Z"}; !slices.Equal(st.calls, want) {
		t.Errorf("cutoffs: %q, want %q", st.calls, want)
	}
}
