package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
