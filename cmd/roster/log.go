package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/provlog"
)

func runLog(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, err := newCommand("log", getenv, stderr)
	if err != nil {
		return err
	}
	var (
		tenant, since, until, status, format string
		q                                    roster.LogQuery
		pruner                               bool
	)
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (default: every tenant, and requests no tenant was found for)")
	cmd.fs.StringVar(&since, "since", "", "only rows this recent, e.g. 1h or 7d")
	cmd.fs.StringVar(&until, "until", "", "only rows older than this, e.g. 1h or 7d")
	cmd.fs.StringVar(&q.Action, "action", "", "only this action: "+strings.Join(provlog.Actions, ", "))
	cmd.fs.StringVar(&q.Method, "method", "", "only this HTTP method, e.g. PATCH")
	cmd.fs.StringVar(&status, "status", "", "only this status class (4xx) or status (409)")
	cmd.fs.BoolVar(&q.Failed, "failed", false, "only failures (status 400 and above)")
	cmd.fs.StringVar(&q.Reason, "reason", "", "only this reason code (docs/errors.md), e.g. username_taken")
	cmd.fs.StringVar(&q.User, "user", "", "a user's (or group's) id, externalId or userName: everything that happened to it, oldest first")
	cmd.fs.StringVar(&q.RequestID, "request", "", "the request id a SCIM error's detail ends with")
	cmd.fs.IntVar(&q.Limit, "limit", 100, "how many rows")
	cmd.fs.StringVar(&format, "format", "table", "table, json (one object per line) or csv")
	asJSON := cmd.fs.Bool("json", false, "same as --format json")
	cmd.fs.BoolVar(&pruner, "pruner-status", false, "show when the log pruner last ran and what it did")
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if pruner {
		at, detail, err := cmd.store.LastRun(ctx, provlog.PrunerName)
		if err != nil {
			return err
		}
		if at.IsZero() {
			fmt.Fprintln(stdout, "the log pruner has not run yet (roster serve runs it at start and hourly)")
			return nil
		}
		fmt.Fprintf(stdout, "last run %s (%s ago): %s\n", at.UTC().Format(time.RFC3339), time.Since(at).Round(time.Second), detail)
		return nil
	}
	if *asJSON {
		format = "json"
	}
	if tenant != "" {
		t, err := cmd.store.Tenant(ctx, tenant)
		if err != nil {
			return err
		}
		q.TenantID = t.ID
	}
	for _, b := range []struct {
		flag, value string
		t           *time.Time
	}{{"since", since, &q.Since}, {"until", until, &q.Until}} {
		if b.value == "" {
			continue
		}
		d, err := parseDuration(b.value)
		if err != nil {
			return fmt.Errorf("--%s: %w", b.flag, err)
		}
		*b.t = time.Now().Add(-d)
	}
	q.Method = strings.ToUpper(q.Method)
	if q.StatusClass, q.Status, err = provlog.ParseStatus(status); err != nil {
		return fmt.Errorf("--status: %w", err)
	}
	q.Oldest = q.User != "" // a person's timeline reads oldest first
	es, err := cmd.store.Log(ctx, q)
	if err != nil {
		return err
	}
	rows := make([]provlog.Row, len(es))
	for i, e := range es {
		rows[i] = provlog.NewRow(e).ForTerminal()
	}
	// Rows of every tenant: the table says whose each is, by name.
	var names map[string]string
	if tenant == "" {
		if names, err = tenantNames(ctx, cmd.admin); err != nil {
			return err
		}
	}
	return printLog(stdout, rows, format, names)
}

// cell is a table cell: a tab or newline a client sent would break the table.
func cell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
}

// printLog writes rows in format. With names (tenant ids to names), the
// table has a TENANT column.
func printLog(w io.Writer, rows []provlog.Row, format string, names map[string]string) error {
	switch format {
	case "json", "csv":
		if format == "json" {
			format = provlog.NDJSON
		}
		x, err := provlog.NewWriter(w, format)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := x.Write(r); err != nil {
				return err
			}
		}
		return x.Flush()
	case "table":
	default:
		return fmt.Errorf("--format %q: want table, json or csv", format)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	first := "TIME"
	if names != nil {
		first = "TIME\tTENANT"
	}
	fmt.Fprintln(tw, first+"\tACTION\tSTATUS\tREASON\tRESOURCE\tNAME\tEXTERNAL ID\tREQUEST\tMS")
	for _, r := range rows {
		first = r.Time.Format("2006-01-02 15:04:05")
		if names != nil {
			first += "\t" + tenantName(names, r.Tenant)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.1f\n", first, cell(r.Action), r.Status,
			dash(cell(r.Reason)), dash(cell(r.ResourceID)), dash(cell(r.Name)), dash(cell(r.ExternalID)), cell(r.RequestID), r.LatencyMS)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Each failure's explanation, once per reason.
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Reason != "" && !seen[r.Reason] {
			seen[r.Reason] = true
			fmt.Fprintf(w, "\n%s: %s\n  what to do: %s\n", r.Reason, r.Explanation, r.WhatToDo)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// tenantName prints a log row's tenant by name: "-" for a request no tenant
// was found for, the id of a tenant deleted since.
func tenantName(names map[string]string, id string) string {
	if id == "" {
		return "-"
	}
	if n, ok := names[id]; ok {
		return cell(n)
	}
	return id
}

// tenantNames maps every tenant's id to its name.
func tenantNames(ctx context.Context, svc *admin.Service) (map[string]string, error) {
	ts, err := svc.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(ts))
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	return names, nil
}
