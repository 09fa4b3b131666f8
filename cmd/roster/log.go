package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/provlog"
)

func runLog(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, err := newCommand("log", getenv, stderr)
	if err != nil {
		return err
	}
	var (
		tenant, since, status, format string
		q                             roster.LogQuery
		pruner                        bool
	)
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (default: every tenant, and requests no tenant was found for)")
	cmd.fs.StringVar(&since, "since", "", "only rows this recent, e.g. 1h or 7d")
	cmd.fs.StringVar(&q.Action, "action", "", "only this action: create, update, replace, deactivate, reactivate, delete, lookup, test-connection, members-add, members-remove, get, list, discovery, sign-in, userinfo, repeated")
	cmd.fs.StringVar(&status, "status", "", "only this status class (4xx) or status (409)")
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
	if since != "" {
		d, err := parseDuration(since)
		if err != nil {
			return err
		}
		q.Since = time.Now().Add(-d)
	}
	class, exact, err := parseStatus(status)
	if err != nil {
		return err
	}
	q.StatusClass = class
	q.Oldest = q.User != "" // a person's timeline reads oldest first
	es, err := cmd.store.Log(ctx, q)
	if err != nil {
		return err
	}
	rows := make([]provlog.Row, 0, len(es))
	for _, e := range es {
		if exact == 0 || e.Status == exact {
			rows = append(rows, provlog.NewRow(e).ForTerminal())
		}
	}
	// Rows of every tenant: the table says whose each is, by name.
	var names map[string]string
	if tenant == "" {
		if names, err = tenantNames(ctx, cmd.store); err != nil {
			return err
		}
	}
	return printLog(stdout, rows, format, names)
}

// parseStatus reads --status: "4xx" is a class, "409" a status.
func parseStatus(s string) (class, exact int, err error) {
	switch {
	case s == "":
		return 0, 0, nil
	case len(s) == 3 && strings.HasSuffix(strings.ToLower(s), "xx") && s[0] >= '1' && s[0] <= '5':
		return int(s[0] - '0'), 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, 0, fmt.Errorf("--status %q: want a class such as 4xx or a status such as 409", s)
	}
	return n / 100, n, nil
}

// cell is a table cell: a tab or newline a client sent would break the table.
func cell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
}

// printLog writes rows in format. With names (tenant ids to names), the
// table has a TENANT column.
func printLog(w io.Writer, rows []provlog.Row, format string, names map[string]string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		return provlog.WriteCSV(w, rows)
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
