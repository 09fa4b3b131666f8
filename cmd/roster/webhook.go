package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
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
		cmd.fs.IntVar(&limit, "limit", 20, "how many recent attempts to show")
	case "replay":
		cmd.fs.StringVar(&from, "from", "", "cursor after which to deliver again (required; 0 for every retained event)")
	case "list", "remove", "test", "resume":
	default:
		return fmt.Errorf("webhook: unknown subcommand %q: %s", args[0], webhookUsage[len("webhook: "):])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if args[0] == "add" {
		return addWebhook(ctx, cmd.store, webhookSealer(cmd.cfg, cmd.cfg.logger(stderr)), rawURL, tenant, types, from, stdout, stderr)
	}
	if args[0] == "list" {
		return listWebhooks(ctx, cmd.store, stdout)
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("webhook %s: want one webhook ID (see roster webhook list)", args[0])
	}
	id := cmd.args[0]
	switch args[0] {
	case "remove":
		if err := cmd.store.DeleteWebhook(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: webhook %s removed\n", id)
	case "test":
		w, err := cmd.store.Webhook(ctx, id)
		if err != nil {
			return err
		}
		status, msg := webhook.New(cmd.store, webhook.Options{Sealer: webhookSealer(cmd.cfg, cmd.cfg.logger(stderr))}).Test(ctx, w)
		if status < 200 || status > 299 {
			return fmt.Errorf("webhook %s: test message not acknowledged: %s", id, msg)
		}
		fmt.Fprintf(stdout, "acknowledged: HTTP %d\n", status)
	case "deliveries":
		return listDeliveries(ctx, cmd.store, id, limit, stdout)
	case "replay":
		if from == "" {
			return fmt.Errorf("webhook replay: --from CURSOR is required")
		}
		cursor, err := strconv.ParseInt(from, 10, 64)
		if err != nil || cursor < 0 {
			return fmt.Errorf("webhook replay: --from %q is not a cursor", from)
		}
		if err := cmd.store.ResetWebhook(ctx, id, cursor); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: webhook %s will receive the events after cursor %d again\n", id, cursor)
	case "resume":
		w, err := cmd.store.Webhook(ctx, id)
		if err != nil {
			return err
		}
		if err := cmd.store.ResetWebhook(ctx, id, w.Cursor); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: webhook %s resumed after cursor %d\n", id, w.Cursor)
	}
	return nil
}

func addWebhook(ctx context.Context, store roster.Store, sealer webhook.Sealer, rawURL, tenant, types, from string, stdout, stderr io.Writer) error {
	u, err := url.Parse(rawURL)
	if rawURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook add: --url %q: want an absolute http:// or https:// URL", rawURL)
	}
	secret := roster.NewWebhookSecret()
	w := &roster.Webhook{URL: u.String(), Secret: webhook.SealSecret(sealer, secret)}
	if tenant != "" {
		t, err := store.Tenant(ctx, tenant)
		if err != nil {
			return err
		}
		w.TenantID = t.ID
	}
	if types != "" {
		for _, typ := range strings.Split(types, ",") {
			typ = strings.TrimSpace(typ)
			if !slices.Contains(roster.EventTypes, typ) {
				return fmt.Errorf("webhook add: --types: unknown event type %q (known: %s)", typ, strings.Join(roster.EventTypes, ", "))
			}
			w.Types = append(w.Types, typ)
		}
	}
	switch from {
	case "now":
		if w.Cursor, err = store.LastEventSeq(ctx); err != nil {
			return err
		}
	case "start":
		if w.Cursor, err = store.PrunedThrough(ctx); err != nil {
			return err
		}
	default:
		if w.Cursor, err = strconv.ParseInt(from, 10, 64); err != nil || w.Cursor < 0 {
			return fmt.Errorf("webhook add: --from %q: want now, start or a cursor", from)
		}
	}
	if err := store.CreateWebhook(ctx, w); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: webhook %s added, delivering after cursor %d; its signing secret is shown only once\n", w.ID, w.Cursor)
	fmt.Fprintln(stdout, w.ID)
	fmt.Fprintln(stdout, secret)
	return nil
}

func listWebhooks(ctx context.Context, store roster.Store, stdout io.Writer) error {
	ws, err := store.Webhooks(ctx)
	if err != nil {
		return err
	}
	names, err := tenantNames(ctx, store)
	if err != nil {
		return err
	}
	last, err := store.LastEventSeq(ctx)
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", w.ID, scopeName(names, w.TenantID), w.URL, typs, w.Cursor, max(last-w.Cursor, 0), state)
	}
	return tw.Flush()
}

func listDeliveries(ctx context.Context, store roster.Store, id string, limit int, stdout io.Writer) error {
	if _, err := store.Webhook(ctx, id); err != nil {
		return err
	}
	ds, err := store.Deliveries(ctx, id, limit)
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
