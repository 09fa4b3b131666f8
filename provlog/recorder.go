// Package provlog records the provisioning log: one row per SCIM request,
// written after the response and in batches, so that the log costs a request
// no more than a channel send. It also holds the catalog of reason codes
// (docs/errors.md) and the redaction of request and response bodies.
package provlog

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster"
)

// Options configures a Recorder.
type Options struct {
	// Buffer is how many entries may wait for the writer (default 10,000), and
	// MaxBytes how many bytes of raw bodies (default 64 MiB); past either,
	// entries are dropped and counted rather than slowing requests.
	Buffer   int
	MaxBytes int
	// Batch is the most entries written in one transaction (default 500).
	Batch int
	// Interval is how long an entry may wait to be written (default 250ms): few
	// write transactions, and a small queue for the garbage collector to scan.
	Interval time.Duration
	// RefusalInterval is how long the requests one address sends that are
	// refused before authentication, for one reason, make one row and a count
	// (default 1 minute); see RecordRefusal.
	RefusalInterval time.Duration
	Logger          *slog.Logger
	Clock           roster.Clock
}

// Recorder writes log entries to a store in the background. Requests only
// append to a slice under a mutex: the writer wakes on its interval (or when a
// batch is full), not once per request.
type Recorder struct {
	store   roster.LogStore
	opts    Options
	mu      sync.Mutex
	queue   []pending
	bytes   int                  // the raw bodies' bytes in queue
	refused map[string]*refusals // by address, reason and token prefix
	full    chan struct{}
	dropped atomic.Int64
	failed  atomic.Int64
	written atomic.Int64
}

// New returns a Recorder over store; Run writes what Record queues.
func New(store roster.LogStore, opts Options) *Recorder {
	if opts.Buffer <= 0 {
		opts.Buffer = 10000
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	if opts.RefusalInterval <= 0 {
		opts.RefusalInterval = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Recorder{store: store, opts: opts, full: make(chan struct{}, 1), refused: map[string]*refusals{}}
}

// pending is an entry with the raw bodies Finish turns into its columns.
type pending struct {
	e                 *roster.LogEntry
	request, response []byte
}

// Record queues e with the raw request and response bodies, without waiting;
// a full queue drops it (Dropped counts them). The bodies must not change after.
func (r *Recorder) Record(e *roster.LogEntry, request, response []byte) {
	r.mu.Lock()
	n, full := r.enqueue(pending{e, request, response})
	r.mu.Unlock()
	switch {
	case full:
		if r.dropped.Add(1)%1000 == 1 {
			r.opts.Logger.Warn("provisioning log: queue full, entries dropped", "dropped", r.dropped.Load())
		}
	case n == r.opts.Batch:
		select {
		case r.full <- struct{}{}:
		default:
		}
	}
}

// enqueue appends p to the queue unless it is full, and returns the length
// of the queue. r.mu must be held.
func (r *Recorder) enqueue(p pending) (n int, full bool) {
	size := len(p.request) + len(p.response)
	if len(r.queue) >= r.opts.Buffer || r.bytes+size > r.opts.MaxBytes {
		return len(r.queue), true
	}
	r.queue = append(r.queue, p)
	r.bytes += size
	return len(r.queue), false
}

// refusals are the refused requests of one key in its current interval.
type refusals struct {
	addr  string
	since time.Time // the first's time
	count int       // how many came after the first
	last  pending
}

// maxRefusalKeys bounds the keys RecordRefusal counts at once; past it, the
// refusals of new keys are dropped (and counted as such).
const maxRefusalKeys = 10000

// RecordRefusal records a request refused before it was authenticated, from
// the source address addr. Anyone can send those, so they are aggregated: the
// first of an address, reason and token prefix in a RefusalInterval is
// recorded as Record does; the others are counted, and once the interval is
// over one row stands for them: the last of them, with action "repeated" and
// the response {"repeated": count, "since": time of the first, "address": addr}.
func (r *Recorder) RecordRefusal(addr string, e *roster.LogEntry, request, response []byte) {
	key := addr + "\x00" + e.Reason + "\x00" + e.TokenPrefix
	r.mu.Lock()
	a := r.refused[key]
	if a != nil && e.Time.Sub(a.since) < r.opts.RefusalInterval {
		a.count++
		a.last = pending{e, request, response}
		r.mu.Unlock()
		return
	}
	if a != nil {
		r.enqueueRepeats(a)
	}
	overflow := a == nil && len(r.refused) >= maxRefusalKeys
	if !overflow {
		r.refused[key] = &refusals{addr: addr, since: e.Time}
	}
	r.mu.Unlock()
	if overflow {
		r.dropped.Add(1)
		return
	}
	r.Record(e, request, response)
}

// enqueueRepeats queues the row standing for a's counted refusals, if any.
// r.mu must be held.
func (r *Recorder) enqueueRepeats(a *refusals) {
	if a.count == 0 {
		return
	}
	e := *a.last.e
	e.Action = "repeated"
	resp, _ := json.Marshal(map[string]any{"repeated": a.count, "since": a.since.UTC(), "address": a.addr})
	if _, full := r.enqueue(pending{&e, nil, resp}); full {
		r.dropped.Add(1)
	}
}

// sweep queues the rows of the refusal intervals that are over, or of all of
// them when all is set, and forgets them.
func (r *Recorder) sweep(all bool) {
	now := r.opts.Clock()
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, a := range r.refused {
		if all || now.Sub(a.since) >= r.opts.RefusalInterval {
			r.enqueueRepeats(a)
			delete(r.refused, k)
		}
	}
}

// Dropped returns how many entries were dropped because the queue was full.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

// Refused returns how many entries were dropped because the store refused them.
func (r *Recorder) Refused() int64 { return r.failed.Load() }

// Written returns how many entries were written.
func (r *Recorder) Written() int64 { return r.written.Load() }

// Run writes queued entries until ctx ends, then writes what is left.
func (r *Recorder) Run(ctx context.Context) {
	tick := time.NewTicker(r.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-r.full:
		case <-tick.C:
		case <-ctx.Done():
			r.sweep(true)
			r.flush(context.WithoutCancel(ctx))
			return
		}
		r.sweep(false)
		r.flush(ctx)
	}
}

// flush writes what is queued, in transactions of at most Batch entries.
func (r *Recorder) flush(ctx context.Context) {
	r.mu.Lock()
	queued := r.queue
	r.queue, r.bytes = nil, 0
	r.mu.Unlock()
	for batch := range slices.Chunk(queued, r.opts.Batch) {
		entries := make([]*roster.LogEntry, len(batch))
		for i, p := range batch {
			entries[i] = Finish(p.e, p.request, p.response)
		}
		r.write(context.WithoutCancel(ctx), entries)
	}
}

// write stores entries in one transaction. When the store refuses it, write
// stores them one by one, so that a row the store cannot take costs only
// itself; the rows refused alone are dropped, counted (Refused) and logged.
func (r *Recorder) write(ctx context.Context, entries []*roster.LogEntry) {
	err := r.store.AppendLog(ctx, entries)
	if err == nil {
		r.written.Add(int64(len(entries)))
		return
	}
	refused, first := 0, err
	if len(entries) > 1 {
		refused, first = 0, nil
		for _, e := range entries {
			if err := r.store.AppendLog(ctx, []*roster.LogEntry{e}); err != nil {
				refused++
				first = cmp.Or(first, err)
				continue
			}
			r.written.Add(1)
		}
	} else {
		refused = 1
	}
	if refused > 0 {
		r.failed.Add(int64(refused))
		r.opts.Logger.Error("provisioning log: rows refused by the store, dropped", "dropped", refused, "of", len(entries), "err", first)
	}
}

// PrunerName is the maintenance task name of the log pruner.
const PrunerName = "log-pruner"

// Finish completes e from the bodies of its request and response: the bodies,
// redacted (see Redact; Changes too) and capped, and the id, externalId and userName (or displayName)
// of the resource, read from the response or, when it failed, the request.
// Text the store cannot hold (a NUL on PostgreSQL) is the store's to replace.
func Finish(e *roster.LogEntry, request, response []byte) *roster.LogEntry {
	e.Request = Redact(request, e.Sensitive...)
	e.Changes = redactJSON(e.Changes, e.Sensitive)
	e.Query = redactQuery(e.Query, e.Sensitive)
	if e.Method == "GET" && e.Status < 300 {
		e.Response = redactRead(response, e.Sensitive)
		return e // a read: the path and the query name what was read
	}
	e.Response = redactCapped(response, MaxBody, len(response), e.Sensitive, false)
	var f struct {
		ID          string `json:"id"`
		ExternalID  string `json:"externalId"`
		UserName    string `json:"userName"`
		DisplayName string `json:"displayName"`
	}
	if e.ResourceID != "" && (e.ExternalID != "" || e.Name != "") {
		return e // the server named the resource: nothing to read from the bodies
	}
	if e.Status >= 300 || json.Unmarshal(response, &f) != nil || f.ID == "" {
		json.Unmarshal(request, &f) // best effort: the body may be anything
	}
	if f.ID != "" && e.ResourceID == "" {
		e.ResourceID = f.ID
	}
	if e.ExternalID == "" {
		e.ExternalID = f.ExternalID
	}
	if e.Name == "" {
		e.Name = f.UserName
		if e.Name == "" {
			e.Name = f.DisplayName
		}
	}
	return e
}
