package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/webhook"
)

const webhookUsage = "webhook: want add, list, remove, test, deliveries, replay or resume"

func runWebhook(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(webhookUsage)
	}
	cmd, err := newCommand("webhook "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var (
		rawURL, tenant, types, from string
		limit                       int
	)
	switch args[0] {
	case "add":
		cmd.fs.StringVar(&rawURL, "url", "", "the endpoint's URL, http:// or https:// (required)")
		cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id whose events it receives (default: every tenant)")
		cmd.fs.StringVar(&types, "types", "", "comma-separated event types it receives (default: all)")
		cmd.fs.StringVar(&from, "from", "now", `where delivery starts: "now" (events after this moment), "start" (every retained event), or a cursor`)
	case "deliveries":
		cmd.fs.IntVar(&limit, "limit", admin.DefaultDeliveriesLimit, fmt.Sprintf("how many recent attempts to show (up to %d)", admin.MaxDeliveriesLimit))
	case "replay":
		cmd.fs.StringVar(&from, "from", "", "cursor after which to deliver again (required; 0 for every retained event)")
	case "list", "remove", "test", "resume":
	default:
		return unknownSubcommand("webhook", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if args[0] == "add" || args[0] == "test" {
		sealer := webhookSealer(cmd.cfg, cmd.cfg.logger(stderr))
		cmd.admin.SetWebhooks(sealer, webhook.New(cmd.store, webhook.Options{Sealer: sealer}))
	}
	if args[0] == "add" {
		return addWebhook(ctx, cmd.admin, rawURL, tenant, types, from, stdout, stderr)
	}
	if args[0] == "list" {
		return listWebhooks(ctx, cmd.admin, stdout)
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("webhook %s: want one webhook ID (see roster webhook list)", args[0])
	}
	id := cmd.args[0]
	switch args[0] {
	case "remove":
		if err := cmd.admin.RemoveWebhook(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: webhook %s removed\n", id)
	case "test":
		r, err := cmd.admin.TestWebhook(ctx, id)
		if err != nil {
			return err
		}
		if !r.Acknowledged() {
			return fmt.Errorf("webhook %s: test message not acknowledged: %s", id, r.Error)
		}
		fmt.Fprintf(stdout, "acknowledged: HTTP %d\n", r.Status)
	case "deliveries":
		return listDeliveries(ctx, cmd.admin, id, limit, stdout)
	case "replay":
		cursor, err := cmd.admin.Replay(ctx, id, from)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: webhook %s will receive the events after cursor %d again\n", id, cursor)
	case "resume":
		cursor, err := cmd.admin.Resume(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: webhook %s resumed after cursor %d\n", id, cursor)
	}
	return nil
}

func addWebhook(ctx context.Context, svc *admin.Service, rawURL, tenant, types, from string, stdout, stderr io.Writer) error {
	n := admin.NewWebhook{URL: rawURL, Tenant: tenant, From: from}
	if types != "" {
		n.Types = strings.Split(types, ",")
	}
	secret, w, err := svc.AddWebhook(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: webhook %s added, delivering after cursor %d; its signing secret is shown only once\n", w.ID, w.Cursor)
	fmt.Fprintln(stdout, w.ID)
	fmt.Fprintln(stdout, secret)
	return nil
}

func listWebhooks(ctx context.Context, svc *admin.Service, stdout io.Writer) error {
	ws, err := svc.Webhooks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT\tURL\tTYPES\tCURSOR\tBEHIND\tSTATE")
	for _, w := range ws {
		state := "ok"
		switch {
		case !w.Failed.IsZero():
			state = fmt.Sprintf("failing since %s (%s); roster webhook resume %s", stamp(w.FailingSince), w.LastError, w.ID)
		case w.Attempts > 0:
			state = fmt.Sprintf("retrying: %d attempts, next %s (%s)", w.Attempts, stamp(w.NextAttempt), w.LastError)
		}
		typs := "*"
		if len(w.Types) > 0 {
			typs = strings.Join(w.Types, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", w.ID, orStar(w.Tenant), w.URL, typs, w.Cursor, w.Behind, state)
	}
	return tw.Flush()
}

func listDeliveries(ctx context.Context, svc *admin.Service, id string, limit int, stdout io.Writer) error {
	ds, err := svc.Deliveries(ctx, id, limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tCURSOR\tEVENT\tTYPE\tATTEMPT\tSTATUS\tDURATION\tERROR")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%s\t%s\n", d.Time.UTC().Format(time.RFC3339), d.Seq, d.EventID, d.EventType,
			d.Attempt, d.Status, d.Duration.Round(time.Millisecond), d.Error)
	}
	return tw.Flush()
}
