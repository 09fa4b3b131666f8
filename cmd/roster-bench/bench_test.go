package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/testdb"
)

// benchPhases are the phases of a run, in order.
var benchPhases = []string{
	"create", "get", "filter-userName", "filter-externalId", "patch", "list",
	"group-create", "group-add-members", "membership-check", "group-get", "group-get-excluded",
	"deactivate", "delete", "group-delete",
}

// TestBench runs roster-bench with tiny numbers against a real "roster serve"
// on each store, twice (once with Basic credentials and the ceiling) to show
// that runs do not collide, and checks that every phase ran without errors.
func TestBench(t *testing.T) { forEachStore(t, testBench) }

func testBench(t *testing.T, db string) {
	phases := benchPhases
	s := startRoster(t, db)
	tests := []struct {
		name string
		auth []string
	}{
		{"bearer", []string{"--token", s.token}},
		{"basic", []string{"--basic", "default:" + s.token, "--ceiling", "--ceiling-requests", "30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bench.json")
			args := append([]string{"--base", s.base, "-c", "2", "--users", "20", "--members", "40",
				"--batch", "10", "--json", out}, tt.auth...)
			var stdout, stderr strings.Builder
			if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
				t.Fatalf("roster-bench %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
			}
			table := stdout.String()
			for _, name := range phases {
				if !strings.Contains(table, "\n"+name+" ") {
					t.Errorf("table names no phase %q:\n%s", name, table)
				}
			}
			rep := checkBenchJSON(t, out, phases)
			if slices.Contains(tt.auth, "--ceiling") {
				checkCeiling(t, table, rep, phases)
			} else if len(rep.Ceiling) > 0 || strings.Contains(table, "% ceil") {
				t.Errorf("a run without --ceiling reports a ceiling:\n%s", table)
			}
		})
	}
}

// TestBenchMixed runs the mixed phase over three tenants made as
// docs/development.md says (tenant create, token create): every lookup finds nothing, every
// create succeeds, each tenant gets its share, and the users are deleted again.
func TestBenchMixed(t *testing.T) {
	s := startRoster(t, "sqlite:"+testdb.SQLitePath(t))
	var tokens strings.Builder
	for _, name := range []string{"t1", "t2", "t3"} {
		s.cli(t, "tenant", "create", name)
		tokens.WriteString(s.cli(t, "token", "create", "--tenant", name) + "\n")
	}
	dir := t.TempDir()
	file, out := filepath.Join(dir, "tokens.txt"), filepath.Join(dir, "bench.json")
	if err := os.WriteFile(file, []byte(tokens.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--base", s.base, "--token", s.token, "-c", "3", "--users", "20", "--members", "40",
		"--batch", "10", "--tokens", file, "--ceiling", "--ceiling-requests", "30", "--json", out}
	var stdout, stderr strings.Builder
	if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("roster-bench %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	rep := checkBenchJSON(t, out, append(slices.Clone(benchPhases), "mixed", "mixed-delete"))
	checkCeiling(t, stdout.String(), rep, append(slices.Clone(benchPhases), "mixed", "mixed-delete"))
	for _, p := range rep.Phases {
		want := map[string]int{"mixed": 40, "mixed-delete": 20}[p.Name]
		if want == 0 {
			continue
		}
		if p.Requests != want || p.Tenants != 3 || p.WorstTenant < 1 || p.WorstTenantP99 <= 0 {
			t.Errorf("phase %s: %d requests over %d tenants, slowest line %d (p99 %v); want %d requests over 3 tenants",
				p.Name, p.Requests, p.Tenants, p.WorstTenant, p.WorstTenantP99, want)
		}
	}
	if !strings.Contains(stdout.String(), "mixed: 3 tenants; p99 ") {
		t.Errorf("the output has no fairness line for mixed:\n%s", stdout.String())
	}
	for i, tok := range strings.Fields(tokens.String()) {
		if n := s.userCount(t, tok); n != 0 {
			t.Errorf("tenant t%d: GET /Users lists %d users after the run, want 0", i+1, n)
		}
	}
}

// TestBenchCeilingAlone measures the ceiling without a server under test: one
// row per phase, no credential needed.
func TestBenchCeilingAlone(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	args := []string{"--ceiling", "-c", "2", "--users", "20", "--ceiling-requests", "30", "--json", out}
	var stdout, stderr strings.Builder
	if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("roster-bench %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, b)
	}
	if len(rep.Phases) > 0 {
		t.Errorf("--ceiling alone ran %d phases against a server", len(rep.Phases))
	}
	checkCeiling(t, stdout.String(), rep, benchPhases)
}

// checkCeiling checks that the ceiling has a row per phase, each with requests
// and without errors, and that every phase run against the server shows its
// fraction of the ceiling.
func checkCeiling(t *testing.T, table string, rep benchReport, phases []string) {
	t.Helper()
	if !strings.Contains(table, "ceiling: the same client") {
		t.Errorf("the output has no ceiling table:\n%s", table)
	}
	var names []string
	for _, c := range rep.Ceiling {
		names = append(names, c.Name)
		if c.Requests < 30 || len(c.Errors) > 0 || c.PerSecond <= 0 {
			t.Errorf("ceiling of %s: %d requests, %.1f/s, errors %v (%s); want at least --ceiling-requests (30), no errors",
				c.Name, c.Requests, c.PerSecond, c.Errors, c.FirstError)
		}
	}
	if got, want := strings.Join(names, " "), strings.Join(phases, " "); got != want {
		t.Errorf("ceiling phases = %s, want %s", got, want)
	}
	for _, p := range rep.Phases {
		if p.OfCeiling <= 0 {
			t.Errorf("phase %s: of ceiling %.1f%%, want a positive fraction", p.Name, p.OfCeiling)
		}
	}
	if len(rep.Phases) > 0 && !strings.Contains(table, "% ceil") {
		t.Errorf("the phase table has no %% ceil column:\n%s", table)
	}
}

// checkBenchJSON reads the --json file and checks that it holds phases, in
// order, each with requests and without errors.
func checkBenchJSON(t *testing.T, path string, phases []string) benchReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, b)
	}
	var names []string
	for _, p := range rep.Phases {
		names = append(names, p.Name)
		if p.Requests == 0 || len(p.Errors) > 0 || p.Capped {
			t.Errorf("phase %s: %d requests, errors %v, capped %v, first error %q; want requests, no errors",
				p.Name, p.Requests, p.Errors, p.Capped, p.FirstError)
		}
	}
	if got, want := strings.Join(names, " "), strings.Join(phases, " "); got != want {
		t.Errorf("phases = %s, want %s", got, want)
	}
	want := map[string]int{"create": 40, "get": 20, "patch": 20, "group-add-members": 4, "membership-check": 40, "delete": 40}
	for _, p := range rep.Phases {
		if n, ok := want[p.Name]; ok && p.Requests != n {
			t.Errorf("phase %s: %d requests, want %d", p.Name, p.Requests, n)
		}
		if p.Name == "group-add-members" && p.Batches != 4 {
			t.Errorf("group-add-members: %d batches, want 4", p.Batches)
		}
	}
	return rep
}

// TestBenchFlags checks that bad command lines fail before any request.
func TestBenchFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no base", []string{"--token", "rst_x"}, "--base"},
		{"base without scheme", []string{"--base", "127.0.0.1:8080/scim/v2", "--token", "rst_x"}, "--base"},
		{"no credential", []string{"--base", "http://127.0.0.1:1/scim/v2"}, "no credential"},
		{"basic without colon", []string{"--base", "http://127.0.0.1:1/scim/v2", "--basic", "default"}, "USER:PASS"},
		{"zero workers", []string{"--base", "http://127.0.0.1:1/scim/v2", "--token", "rst_x", "-c", "0"}, "positive"},
		{"positional", []string{"--base", "http://127.0.0.1:1/scim/v2", "--token", "rst_x", "extra"}, "unexpected argument"},
		{"no tokens file", []string{"--base", "http://127.0.0.1:1/scim/v2", "--token", "rst_x", "--tokens", "/nonexistent"}, "--tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			err := run(context.Background(), tt.args, func(string) string { return "" }, &stdout, &stderr)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("roster-bench %v = %v, want a usage error", tt.args, err)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("roster-bench %v: stderr does not mention %q:\n%s", tt.args, tt.want, stderr.String())
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		d := make([]time.Duration, len(ns))
		for i, n := range ns {
			d[i] = time.Duration(n) * time.Millisecond
		}
		return d
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", ms(7), 50, 7 * time.Millisecond},
		{"one value p99", ms(7), 99, 7 * time.Millisecond},
		{"median of odd count", ms(1, 2, 3), 50, 2 * time.Millisecond},
		{"median of even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p100 is the max", ms(1, 2, 3, 4), 100, 4 * time.Millisecond},
		{"p95 of ten rounds up to the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 95, 10 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p95 of 1..100", ms(hundred...), 95, 95 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"tiny p is the min", ms(1, 2, 3), 0.1, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}
