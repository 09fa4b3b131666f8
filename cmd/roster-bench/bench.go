package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchConfig is what roster-bench is configured with.
type benchConfig struct {
	Base     string        // SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2
	Auth     string        // the Authorization header value
	Workers  int           // concurrent requests per phase
	Users    int           // users created (more when Members is larger)
	Members  int           // users added to the group
	Batch    int           // members per PATCH Add
	Cap      time.Duration // longest time one phase may run
	JSONPath string        // where to write the results as JSON, if set
	Ceiling  bool          // also measure each phase against a trivial handler
	// CeilingRequests is the fewest requests a ceiling phase sends: at 40,000
	// req/s, the 1,000 of a phase would take 25 ms, too short to measure.
	CeilingRequests int
	Tokens          []string // one token per tenant for the mixed phase (--tokens)
}

const benchUsage = `Usage: roster-bench --base URL (--token T | --basic USER:PASS) [--ceiling] [flags]
       roster-bench --ceiling [-c N] [--users N]

Replays Microsoft Entra ID's provisioning traffic against a running Roster and
prints requests, errors by status, req/s and latency percentiles per phase.
It creates, then deactivates and deletes, its own users and one group; names
carry a run id, so runs against the same server do not collide.

With --tokens FILE (one secret token per line, each of a different tenant) it
also runs the mixed phase: Entra's first cycle over many tenants at once, a
userName lookup then a create per user, the users spread over the tenants.

With --ceiling it also sends each phase's requests, with the same client and
concurrency, to a trivial handler in this process on 127.0.0.1 that answers
with a body of the phase's mean response size: the most this machine gives this
client. Each phase then shows its req/s as a percentage of that ceiling.
Without --base, it measures only the ceiling, with typical sizes of Roster's
requests and responses.

`

// parseBenchFlags reads the bench command line.
func parseBenchFlags(args []string, getenv func(string) string, stderr io.Writer) (benchConfig, error) {
	c := benchConfig{Workers: 8, Users: 1000, Members: 1000, Batch: 100, Cap: 2 * time.Minute, CeilingRequests: 20000}
	var token, basic string
	fs := flag.NewFlagSet("roster-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	fs.StringVar(&c.Base, "base", "", "SCIM base URL of the server under test, e.g. http://127.0.0.1:8080/scim/v2")
	fs.StringVar(&token, "token", getenv("ROSTER_TOKEN"), "secret token, sent as Bearer (env ROSTER_TOKEN)")
	fs.StringVar(&basic, "basic", "", "USER:PASS sent as HTTP Basic instead of --token (user: the tenant name)")
	fs.IntVar(&c.Workers, "c", c.Workers, "concurrent requests per phase")
	fs.IntVar(&c.Users, "users", c.Users, "users to create, read, filter, patch, deactivate and delete")
	fs.IntVar(&c.Members, "members", c.Members, "users to add to the group (extra users are created if more than --users)")
	fs.IntVar(&c.Batch, "batch", c.Batch, "members per PATCH Add request")
	fs.DurationVar(&c.Cap, "duration-cap", c.Cap, "stop a phase early after this long")
	fs.StringVar(&c.JSONPath, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&c.Ceiling, "ceiling", false, "also measure each phase against a trivial in-process handler (alone: without --base)")
	fs.IntVar(&c.CeilingRequests, "ceiling-requests", c.CeilingRequests, "the fewest requests each phase of the ceiling sends")
	tokens := fs.String("tokens", "", "file of secret tokens, one per line, each of a different tenant: adds the mixed phase")
	pos, err := parse(fs, args)
	if err != nil {
		return c, err
	}
	if len(pos) > 0 {
		return c, usageFail(fs, "unexpected argument %q", pos[0])
	}
	if c.Workers < 1 || c.Users < 1 || c.Members < 0 || c.Batch < 1 || c.Cap <= 0 || c.CeilingRequests < 1 {
		return c, usageFail(fs, "-c, --users, --batch and --ceiling-requests must be positive, --members not negative, --duration-cap positive")
	}
	if *tokens != "" {
		if c.Tokens, err = readTokens(*tokens); err != nil {
			return c, usageFail(fs, "%w", err)
		}
	}
	if c.Ceiling && c.Base == "" {
		return c, nil // the ceiling alone needs no server
	}
	u, err := url.Parse(c.Base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, usageFail(fs, "--base %q: want the server's SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2", c.Base)
	}
	c.Base = strings.TrimSuffix(c.Base, "/")
	if c.Auth, err = authorization(token, basic); err != nil {
		return c, usageFail(fs, "%w", err)
	}
	return c, nil
}

// authorization returns the Authorization header for a bearer token or, when
// basic is set, for HTTP Basic with basic's USER:PASS.
func authorization(token, basic string) (string, error) {
	switch {
	case basic != "":
		user, pass, ok := strings.Cut(basic, ":")
		if !ok {
			return "", errors.New("--basic: want USER:PASS")
		}
		req := http.Request{Header: http.Header{}}
		req.SetBasicAuth(user, pass)
		return req.Header.Get("Authorization"), nil
	case token != "":
		return "Bearer " + token, nil
	}
	return "", errors.New("no credential: pass --token (or env ROSTER_TOKEN) or --basic")
}

// usageFail prints a flag problem with the command's flags and returns it as a usageError.
func usageFail(fs *flag.FlagSet, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(fs.Output(), "roster-bench: %v\n\n", err)
	fs.Usage()
	return usageError{err}
}

// bencher holds one run's client, credentials and the ids it created.
type bencher struct {
	c       benchConfig
	client  *http.Client
	run     string    // run id, prefixed to every name the run creates
	users   []created // the users created, in creation order
	group   string    // id of the group created
	mixed   []created // the users the mixed phase created, in the tenants of --tokens
	results []phaseResult
}

func newBencher(c benchConfig) (*bencher, error) {
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("bench: run id: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * c.Workers
	tr.MaxIdleConnsPerHost = c.Workers
	return &bencher{
		c:      c,
		client: &http.Client{Transport: tr, Timeout: time.Minute},
		run:    hex.EncodeToString(id[:]),
	}, nil
}

// benchPhase is one phase: its name, how it runs, and the shape of its
// requests for the ceiling.
type benchPhase struct {
	name  string
	run   func(context.Context) phaseResult
	shape shape
}

// shape is what the ceiling imitates of a phase: the method, the status the
// server answers, whether the requests go one at a time, and the mean body
// sizes measured against Roster with the bench's defaults (a group of 1,000
// members; pages of 100 users). A run against a server uses its own means.
type shape struct {
	method             string
	status             int
	sequential         bool
	reqBytes, resBytes int
}

// phases lists the phases in Entra's order, each working over what the earlier ones created.
func (b *bencher) phases() []benchPhase {
	const ok, created, noContent = http.StatusOK, http.StatusCreated, http.StatusNoContent
	ps := []benchPhase{
		{"create", b.create, shape{"POST", created, false, 590, 810}},
		{"get", b.get, shape{"GET", ok, false, 0, 810}},
		{"filter-userName", b.filterUserName, shape{"GET", ok, false, 0, 940}},
		{"filter-externalId", b.filterExternalID, shape{"GET", ok, false, 0, 940}},
		{"patch", b.patch, shape{"PATCH", ok, false, 300, 820}},
		{"list", b.list, shape{"GET", ok, false, 0, 82000}},
		{"group-create", b.groupCreate, shape{"POST", created, false, 220, 380}},
		{"group-add-members", b.groupAddMembers, shape{"PATCH", noContent, true, 5000, 0}},
		{"membership-check", b.membershipCheck, shape{"GET", ok, false, 0, 510}},
		{"group-get", b.groupGet, shape{"GET", ok, false, 0, 190000}},
		{"group-get-excluded", b.groupGetExcluded, shape{"GET", ok, false, 0, 380}},
		{"deactivate", b.deactivate, shape{"PATCH", ok, false, 120, 820}},
		{"delete", b.delete, shape{"DELETE", noContent, false, 0, 0}},
		{"group-delete", b.groupDelete, shape{"DELETE", noContent, false, 0, 0}},
	}
	if len(b.c.Tokens) > 0 {
		// The ceiling sends mixed's lookups and creates alike, as POSTs of their mean size.
		ps = append(ps,
			benchPhase{"mixed", b.mixedCycle, shape{"POST", created, false, 300, 480}},
			benchPhase{"mixed-delete", b.mixedDelete, shape{"DELETE", noContent, false, 0, 0}})
	}
	return ps
}

// runPhases runs the phases in order. It stops after the phase during which ctx ends.
func (b *bencher) runPhases(ctx context.Context) {
	defer b.client.CloseIdleConnections()
	for _, p := range b.phases() {
		r := p.run(ctx)
		r.Name = p.name
		b.results = append(b.results, r)
		if ctx.Err() != nil {
			return
		}
	}
}

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

// benchReport is the whole run, as --json writes it.
type benchReport struct {
	RunID   string        `json:"run_id"`
	Base    string        `json:"base"`
	Workers int           `json:"concurrency"`
	Users   int           `json:"users"`
	Members int           `json:"members"`
	Batch   int           `json:"batch"`
	Phases  []phaseResult `json:"phases"`
	// Ceiling holds, per phase, the same client against a trivial handler (--ceiling).
	Ceiling []phaseResult `json:"ceiling,omitempty"`
}

// printReport writes the fixed-width tables to stdout and each phase's first
// error to stderr.
func printReport(stdout, stderr io.Writer, rep benchReport) {
	if len(rep.Phases) > 0 {
		printTable(stdout, rep.Phases, len(rep.Ceiling) > 0)
	}
	for _, p := range rep.Phases {
		if p.Batches > 0 {
			fmt.Fprintf(stdout, "\n%s: %d batches; median of the first 10 %s ms, of the last 10 %s ms\n",
				p.Name, p.Batches, ms(p.FirstBatches), ms(p.LastBatches))
		}
		if p.Tenants > 0 {
			fmt.Fprintf(stdout, "\n%s: %d tenants; p99 %s ms over all, %s ms in the slowest tenant's (line %d of --tokens)\n",
				p.Name, p.Tenants, ms(p.P99), ms(p.WorstTenantP99), p.WorstTenant)
		}
	}
	if len(rep.Ceiling) > 0 {
		if len(rep.Phases) > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "ceiling: the same client, -c %d, against a trivial handler on 127.0.0.1 answering bodies of each phase's mean size\n", rep.Workers)
		printTable(stdout, rep.Ceiling, false)
	}
	for _, p := range slices.Concat(rep.Phases, rep.Ceiling) {
		if p.Capped {
			fmt.Fprintf(stdout, "* stopped at --duration-cap\n")
			break
		}
	}
	for _, p := range rep.Phases {
		if p.FirstError != "" {
			fmt.Fprintf(stderr, "roster-bench: %s: first error: %s\n", p.Name, p.FirstError)
		}
	}
	for _, p := range rep.Ceiling {
		if p.FirstError != "" {
			fmt.Fprintf(stderr, "roster-bench: ceiling of %s: first error: %s\n", p.Name, p.FirstError)
		}
	}
}

// printTable writes one row per phase; ofCeiling adds the "% ceil" column.
func printTable(w io.Writer, phases []phaseResult, ofCeiling bool) {
	ceil := ""
	if ofCeiling {
		ceil = fmt.Sprintf(" %7s", "% ceil")
	}
	fmt.Fprintf(w, "%-20s %8s %9s%s %9s %9s %9s %9s  %s\n",
		"phase", "requests", "req/s", ceil, "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	for _, p := range phases {
		name := p.Name
		if p.Capped {
			name += "*"
		}
		if p.Skipped != "" {
			fmt.Fprintf(w, "%-20s %8s  skipped: %s\n", name, "-", p.Skipped)
			continue
		}
		if ofCeiling {
			ceil = fmt.Sprintf(" %6.1f%%", p.OfCeiling)
		}
		fmt.Fprintf(w, "%-20s %8d %9.1f%s %9s %9s %9s %9s  %s\n",
			name, p.Requests, p.PerSecond, ceil, ms(p.P50), ms(p.P95), ms(p.P99), ms(p.Max), formatErrors(p.Errors))
	}
}

// ms formats d in milliseconds.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64)
}

// formatErrors prints errors by status in status order: "409=3 transport=1", or "0".
func formatErrors(errs map[string]int) string {
	if len(errs) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Itoa(errs[k])
	}
	return strings.Join(parts, " ")
}

// writeReport writes rep as indented JSON to path.
func writeReport(path string, rep benchReport) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: write results: %w", err)
	}
	return nil
}

// The phases. Request bodies follow what Microsoft documents Entra ID sending
// (testdata/entra); every value put into them is hex, digits or fixed ASCII,
// so they need no JSON escaping.

const (
	patchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// created is a user the run created: its id and the index its names derive from.
type created struct {
	id string
	i  int
}

func (b *bencher) userName(i int) string   { return fmt.Sprintf("bench_%s_%d@contoso.com", b.run, i) }
func (b *bencher) externalID(i int) string { return fmt.Sprintf("bench-%s-%d", b.run, i) }

// createUser is Entra's POST of a user, with the enterprise extension; the id
// of the user created is stored in id.
func createUser(userName, externalID string, i int, id *string) request {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",%q],`+
		`"externalId":%q,"userName":%q,"active":true,`+
		`"emails":[{"primary":true,"type":"work","value":%q}],"meta":{"resourceType":"User"},`+
		`"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[],`+
		`%q:{"employeeNumber":"%d","department":"Engineering","costCenter":"CC-100","organization":"Contoso"}}`,
		enterpriseUser, externalID, userName, userName, enterpriseUser, i)
	return request{method: "POST", path: "/Users", body: []byte(body), want: http.StatusCreated,
		onBody: func(body []byte) {
			var doc struct{ ID string }
			if json.Unmarshal(body, &doc) == nil {
				*id = doc.ID
			}
		}}
}

// create posts max(--users, --members) users in Entra's form, with the
// enterprise extension, and keeps the ids of those created.
func (b *bencher) create(ctx context.Context) phaseResult {
	n := max(b.c.Users, b.c.Members)
	ids := make([]string, n)
	r := b.phase(ctx, n, func(i int) request {
		return createUser(b.userName(i), b.externalID(i), i, &ids[i])
	})
	for i, id := range ids {
		if id != "" {
			b.users = append(b.users, created{id: id, i: i})
		}
	}
	return r
}

// some returns the first --users created users, the ones the per-user phases use.
func (b *bencher) some() []created { return b.users[:min(b.c.Users, len(b.users))] }

func (b *bencher) get(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		return request{method: "GET", path: "/Users/" + us[i].id, want: http.StatusOK}
	})
}

func (b *bencher) filterUserName(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		return b.getList("/Users", fmt.Sprintf("userName eq %q", b.userName(us[i].i)), "")
	})
}

func (b *bencher) filterExternalID(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		return b.getList("/Users", fmt.Sprintf("externalId eq %q", b.externalID(us[i].i)), "")
	})
}

// getList is a GET of a list with a filter and excludedAttributes, encoded as a
// client encodes a query.
func (b *bencher) getList(path, filter, excluded string) request {
	q := url.Values{"filter": {filter}}
	if excluded != "" {
		q.Set("excludedAttributes", excluded)
	}
	return request{method: "GET", path: path + "?" + q.Encode(), want: http.StatusOK}
}

// patch sends Entra's multi-operation user PATCH: a value-path filter, a
// sub-attribute and a boolean as the string "True".
func (b *bencher) patch(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		body := fmt.Sprintf(`{"schemas":[%q],"Operations":[`+
			`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated_%s_%d@contoso.com"},`+
			`{"op":"Replace","path":"name.familyName","value":"updatedFamilyName%d"},`+
			`{"op":"Replace","path":"active","value":"True"}]}`, patchOp, b.run, us[i].i, us[i].i)
		return request{method: "PATCH", path: "/Users/" + us[i].id, body: []byte(body), want: http.StatusOK}
	})
}

// list pages through /Users 100 at a time, alternating the first page and a
// page near the end of everything the server holds.
func (b *bencher) list(ctx context.Context) phaseResult {
	total := len(b.users)
	if status, body, err := b.send(ctx, request{method: "GET", path: "/Users?startIndex=1&count=1"}); err == nil && status == http.StatusOK {
		var doc struct{ TotalResults int }
		if json.Unmarshal(body, &doc) == nil && doc.TotalResults > total {
			total = doc.TotalResults
		}
	}
	last := max(1, total-99)
	return b.phase(ctx, b.reads(), func(i int) request {
		start := 1
		if i%2 == 1 {
			start = last
		}
		return request{method: "GET", path: fmt.Sprintf("/Users?startIndex=%d&count=100", start), want: http.StatusOK}
	})
}

// reads is the number of requests of the phases that do not go per user.
func (b *bencher) reads() int { return max(10, b.c.Users/10) }

func (b *bencher) groupCreate(ctx context.Context) phaseResult {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",`+
		`"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],`+
		`"externalId":"bench-%s","displayName":"bench-%s","meta":{"resourceType":"Group"}}`, b.run, b.run)
	return b.phase(ctx, 1, func(int) request {
		return request{method: "POST", path: "/Groups", body: []byte(body), want: http.StatusCreated,
			onBody: func(body []byte) {
				var doc struct{ ID string }
				if json.Unmarshal(body, &doc) == nil {
					b.group = doc.ID
				}
			}}
	})
}

// noGroup is why the group phases skip when group-create failed.
const noGroup = "group-create failed"

// members returns the created users that go into the group.
func (b *bencher) members() []created { return b.users[:min(b.c.Members, len(b.users))] }

// groupAddMembers adds the members in batches of --batch, one batch after the
// other as Entra does for one group, and reports how the first and last
// batches compare: a store whose member writes grow with the group shows it here.
func (b *bencher) groupAddMembers(ctx context.Context) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	ms := b.members()
	var t tally
	start, capped := time.Now(), false
	for lo := 0; lo < len(ms) && ctx.Err() == nil; lo += b.c.Batch {
		if time.Since(start) >= b.c.Cap {
			capped = true
			break
		}
		var vals []string
		for _, m := range ms[lo:min(lo+b.c.Batch, len(ms))] {
			vals = append(vals, fmt.Sprintf(`{"value":%q}`, m.id))
		}
		body := fmt.Sprintf(`{"schemas":[%q],"Operations":[{"op":"Add","path":"members","value":[%s]}]}`,
			patchOp, strings.Join(vals, ","))
		b.measure(ctx, &t, request{method: "PATCH", path: "/Groups/" + b.group, body: []byte(body), want: http.StatusNoContent})
	}
	r := t.result(time.Since(start))
	r.Capped = capped
	r.Batches = len(t.latencies)
	r.FirstBatches = median(t.latencies[:min(10, len(t.latencies))])
	r.LastBatches = median(t.latencies[max(0, len(t.latencies)-10):])
	return r
}

// median returns the median of d, which it does not change.
func median(d []time.Duration) time.Duration { return percentileOf(d, 50) }

// percentileOf returns the p-th percentile of d, which it does not change.
func percentileOf(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return percentile(s, p)
}

// membershipCheck asks, for each member, whether it is in the group, as Entra
// does before adding or removing one.
func (b *bencher) membershipCheck(ctx context.Context) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	ms := b.members()
	return b.phase(ctx, len(ms), func(i int) request {
		return b.getList("/Groups", fmt.Sprintf("id eq %q and members[value eq %q]", b.group, ms[i].id), "members")
	})
}

func (b *bencher) groupGet(ctx context.Context) phaseResult {
	return b.groupGets(ctx, "/Groups/"+b.group)
}

func (b *bencher) groupGetExcluded(ctx context.Context) phaseResult {
	return b.groupGets(ctx, "/Groups/"+b.group+"?excludedAttributes=members")
}

func (b *bencher) groupGets(ctx context.Context, path string) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	return b.phase(ctx, b.reads(), func(int) request {
		return request{method: "GET", path: path, want: http.StatusOK}
	})
}

// deactivate is Entra's soft delete of every created user, the boolean sent as
// the string "False".
func (b *bencher) deactivate(ctx context.Context) phaseResult {
	body := []byte(fmt.Sprintf(`{"schemas":[%q],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, patchOp))
	return b.phase(ctx, len(b.users), func(i int) request {
		return request{method: "PATCH", path: "/Users/" + b.users[i].id, body: body, want: http.StatusOK}
	})
}

func (b *bencher) delete(ctx context.Context) phaseResult {
	return b.phase(ctx, len(b.users), func(i int) request {
		return request{method: "DELETE", path: "/Users/" + b.users[i].id, want: http.StatusNoContent}
	})
}

func (b *bencher) groupDelete(ctx context.Context) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	return b.phase(ctx, 1, func(int) request {
		return request{method: "DELETE", path: "/Groups/" + b.group, want: http.StatusNoContent}
	})
}
