package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/server"
	"github.com/rosterhq/roster/simulate"
)

// runSimulate drives a running Roster as a directory would, with a token it
// issues for the run and revokes after it, then prints each request with
// the provisioning log's verdict on it.
func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, err := newCommand("simulate", getenv, stderr)
	if err != nil {
		return err
	}
	var (
		tenant, publicURL string
		o                 simulate.Options
	)
	cmd.fs.StringVar(&o.IdP, "idp", simulate.Entra, "the directory to play: "+strings.Join(simulate.IdPs, " or "))
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	cmd.fs.IntVar(&o.Users, "users", 50, fmt.Sprintf("people to create, 2 to %d", simulate.MaxUsers))
	cmd.fs.IntVar(&o.Groups, "groups", 5, fmt.Sprintf("groups to create, 1 to %d", simulate.MaxGroups))
	cmd.fs.Uint64Var(&o.Seed, "seed", 0, "generate the same people as an earlier run with this seed (0: new people)")
	cmd.fs.StringVar(&publicURL, "url", "", "Roster's public URL (default: the one the running server recorded)")
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if len(cmd.args) != 0 {
		return fmt.Errorf("simulate: takes no arguments")
	}
	if tenant == "" {
		return fmt.Errorf("simulate: --tenant is required")
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64N(1<<32) + 1
	}
	base, err := cmd.admin.PublicURL(ctx, publicURL, "http://"+cmd.cfg.Addr)
	if err != nil {
		return err
	}
	o.SCIM = base + server.Prefix
	o.Token = "-" // checked before a token is issued
	if err := o.Check(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	secret, tok, err := cmd.admin.CreateToken(ctx, tenant, "roster simulate", time.Hour)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	defer func() {
		if err := cmd.admin.RevokeToken(context.WithoutCancel(ctx), tok.ID); err != nil {
			fmt.Fprintf(stderr, "roster: simulate: revoking its token %s: %v\n", tok.Prefix, err)
		}
	}()
	o.Token = secret
	fmt.Fprintf(stderr, "roster: playing %s against tenant %q at %s with %d people and %d groups (seed %d)\n",
		o.IdP, tenant, o.SCIM, o.Users, o.Groups, o.Seed)

	var steps []simulate.Step
	runErr := simulate.Run(ctx, o, func(s simulate.Step) {
		steps = append(steps, s)
		if len(steps)%100 == 0 {
			fmt.Fprintf(stderr, "roster: %d requests sent\n", len(steps))
		}
	})
	verdicts := logVerdicts(ctx, cmd.store, tok.TenantID, steps)
	if err := printSteps(stdout, steps, verdicts); err != nil {
		return err
	}
	failed := 0
	for _, s := range steps {
		if s.Status == 0 || s.Status >= 400 {
			failed++
		}
	}
	fmt.Fprintf(stderr, "roster: %d requests, %d refused or unanswered; the host app's events: GET /api/v1/events or its webhooks\n", len(steps), failed)
	if runErr != nil {
		return fmt.Errorf("simulate: %w", runErr)
	}
	if failed > 0 {
		return fmt.Errorf("simulate: %d requests were refused or unanswered (see the LOG column and roster log --tenant %s --failed)", failed, tenant)
	}
	return nil
}

// logReader reads the provisioning log.
type logReader interface {
	Log(ctx context.Context, q roster.LogQuery) ([]*roster.LogEntry, error)
}

// logVerdicts reads what the provisioning log recorded of each step, by its
// request id. The log is written a moment after each answer: it waits up
// to five seconds for the last step's row.
func logVerdicts(ctx context.Context, store logReader, tenantID string, steps []simulate.Step) map[string]*roster.LogEntry {
	out := map[string]*roster.LogEntry{}
	if len(steps) == 0 {
		return out
	}
	last := steps[len(steps)-1].RequestID
	for deadline := time.Now().Add(5 * time.Second); last != "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if es, err := store.Log(ctx, roster.LogQuery{TenantID: tenantID, RequestID: last, Limit: 1}); err != nil || len(es) > 0 {
			break
		}
	}
	for _, s := range steps {
		if s.RequestID == "" {
			continue
		}
		if es, err := store.Log(ctx, roster.LogQuery{TenantID: tenantID, RequestID: s.RequestID, Limit: 1}); err == nil && len(es) > 0 {
			out[s.RequestID] = es[0]
		}
	}
	return out
}

// printSteps prints each step with the log's verdict: its action, and the
// reason of a failure or of what it did not apply.
func printSteps(w io.Writer, steps []simulate.Step, verdicts map[string]*roster.LogEntry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSTEP\tREQUEST\tSTATUS\tLOG")
	for i, s := range steps {
		status := fmt.Sprint(s.Status)
		if s.Status == 0 {
			status = "-"
		}
		verdict := "not in the provisioning log"
		if e := verdicts[s.RequestID]; e != nil {
			verdict = strings.TrimSpace(e.Action + " " + e.Reason)
		}
		if s.Err != "" {
			verdict += ": " + s.Err
		}
		path := s.Path
		if p, err := url.QueryUnescape(path); err == nil {
			path = p // filters as a person writes them
		}
		if n := utf8.RuneCountInString(path); n > 80 {
			path = string([]rune(path)[:79]) + "…"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s %s\t%s\t%s\n", i+1, clean(s.What), s.Method, clean(path), status, clean(verdict))
	}
	return tw.Flush()
}
