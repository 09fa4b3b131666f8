package main

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// tally is what one worker saw in one phase.
type tally struct {
	latencies []time.Duration
	errors    map[string]int // by status code, "transport" for no response
	firstErr  string
	// reqBytes and resBytes sum the request and response bodies.
	reqBytes, resBytes int64
	// tenants holds the latencies again by line of --tokens, for fairness.
	tenants map[int][]time.Duration
}

func (t *tally) byTenant(line int, d time.Duration) {
	if t.tenants == nil {
		t.tenants = map[int][]time.Duration{}
	}
	t.tenants[line] = append(t.tenants[line], d)
}

func (t *tally) add(d time.Duration, status int, ok bool) {
	t.latencies = append(t.latencies, d)
	if ok {
		return
	}
	key := "transport"
	if status != 0 {
		key = strconv.Itoa(status)
	}
	if t.errors == nil {
		t.errors = map[string]int{}
	}
	t.errors[key]++
}

func (t *tally) note(s string) {
	if t.firstErr == "" {
		t.firstErr = s
	}
}

func (t *tally) merge(o tally) {
	t.latencies = append(t.latencies, o.latencies...)
	for k, n := range o.errors {
		if t.errors == nil {
			t.errors = map[string]int{}
		}
		t.errors[k] += n
	}
	t.note(o.firstErr)
	t.reqBytes += o.reqBytes
	t.resBytes += o.resBytes
	for line, ds := range o.tenants {
		for _, d := range ds {
			t.byTenant(line, d)
		}
	}
}

// result summarizes the tally of a phase that took elapsed.
func (t *tally) result(elapsed time.Duration) phaseResult {
	lat := slices.Clone(t.latencies)
	slices.Sort(lat)
	r := phaseResult{
		Requests:   len(lat),
		Errors:     t.errors,
		FirstError: t.firstErr,
		Elapsed:    elapsed,
		P50:        percentile(lat, 50),
		P95:        percentile(lat, 95),
		P99:        percentile(lat, 99),
	}
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
		r.RequestBytes = int(t.reqBytes / int64(len(lat)))
		r.ResponseBytes = int(t.resBytes / int64(len(lat)))
	}
	for line, ds := range t.tenants {
		r.Tenants++
		if p99 := percentileOf(ds, 99); p99 > r.WorstTenantP99 {
			r.WorstTenantP99, r.WorstTenant = p99, line
		}
	}
	if elapsed > 0 {
		r.PerSecond = float64(len(lat)) / elapsed.Seconds()
	}
	return r
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value at or below which p percent of the
// values lie. It returns 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(len(sorted)) / 100)) // p*n first: exact for whole p
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// phaseResult is what one phase measured. Durations are in nanoseconds in JSON.
type phaseResult struct {
	Name       string         `json:"name"`
	Requests   int            `json:"requests"`
	Errors     map[string]int `json:"errors,omitempty"` // by status code; "transport" for no response
	FirstError string         `json:"first_error,omitempty"`
	Elapsed    time.Duration  `json:"elapsed_ns"`
	PerSecond  float64        `json:"req_per_sec"`
	P50        time.Duration  `json:"p50_ns"`
	P95        time.Duration  `json:"p95_ns"`
	P99        time.Duration  `json:"p99_ns"`
	Max        time.Duration  `json:"max_ns"`
	Capped     bool           `json:"capped,omitempty"`  // stopped at --duration-cap
	Skipped    string         `json:"skipped,omitempty"` // why the phase did not run
	// RequestBytes and ResponseBytes are the mean body sizes.
	RequestBytes  int `json:"mean_request_bytes"`
	ResponseBytes int `json:"mean_response_bytes"`
	// OfCeiling is req/s as a percentage of the same phase's ceiling (--ceiling).
	OfCeiling float64 `json:"of_ceiling_pct,omitempty"`
	// Tenants, WorstTenant and WorstTenantP99 describe the fairness of the
	// mixed phases: the tenants served, and which one (by line of --tokens)
	// had the highest p99 latency, and that p99.
	Tenants        int           `json:"tenants,omitempty"`
	WorstTenant    int           `json:"worst_tenant_line,omitempty"`
	WorstTenantP99 time.Duration `json:"worst_tenant_p99_ns,omitempty"`
	// Batches, FirstBatches and LastBatches describe group-add-members: the
	// median latency of its first and last 10 batches.
	Batches      int           `json:"batches,omitempty"`
	FirstBatches time.Duration `json:"first_batches_median_ns,omitempty"`
	LastBatches  time.Duration `json:"last_batches_median_ns,omitempty"`
}

func (p phaseResult) errorCount() int {
	n := 0
	for _, c := range p.Errors {
		n += c
	}
	return n
}

// median returns the median of d, which it does not change.
func median(d []time.Duration) time.Duration { return percentileOf(d, 50) }

// percentileOf returns the p-th percentile of d, which it does not change.
func percentileOf(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return percentile(s, p)
}
