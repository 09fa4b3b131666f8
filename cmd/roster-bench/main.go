// Command roster-bench replays Microsoft Entra ID's provisioning traffic
// against a running Roster and prints requests, errors by status, req/s and
// latency percentiles per phase. It is a client of the SCIM API only: it needs
// a server's SCIM base URL and a tenant's secret token, never its database.
//
// Usage:
//
//	roster-bench --base URL --token T [-c 8] [--users 1000] [--members 1000] [--tokens FILE] [--ceiling] [--json FILE]
//	roster-bench --ceiling [-c 8] [--users 1000]
//
// Run it with "go run ./cmd/roster-bench" or build it with
// "go build ./cmd/roster-bench"; "roster-bench --help" lists every flag.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u usageError
		if !errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "roster-bench:", err)
		}
		os.Exit(2)
	}
}

// usageError is an error whose message has already been printed with the usage.
type usageError struct{ error }

// run runs the command line args with the environment getenv: every phase
// against --base in order, then the ceiling if asked, and prints the tables to
// stdout. It fails when a phase had errors, after printing all of them, and
// stops after the phase during which ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseBenchFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	b, err := newBencher(c)
	if err != nil {
		return err
	}
	if c.Base != "" {
		fmt.Fprintf(stdout, "roster-bench: run %s against %s: -c %d, %d users, %d members in batches of %d\n\n",
			b.run, c.Base, c.Workers, c.Users, c.Members, c.Batch)
		b.runPhases(ctx)
	}
	rep := benchReport{RunID: b.run, Base: c.Base, Workers: c.Workers, Users: c.Users,
		Members: c.Members, Batch: c.Batch, Phases: b.results}
	if c.Ceiling && ctx.Err() == nil {
		if rep.Ceiling, err = b.runCeiling(ctx); err != nil {
			return err
		}
		fractions(rep.Phases, rep.Ceiling)
	}
	printReport(stdout, stderr, rep)
	if c.JSONPath != "" {
		if err := writeReport(c.JSONPath, rep); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bench: interrupted: %w", err)
	}
	var failed []string
	for _, p := range rep.Phases {
		if p.errorCount() > 0 {
			failed = append(failed, p.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench: errors in %s", strings.Join(failed, ", "))
	}
	return nil
}
