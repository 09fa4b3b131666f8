package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// runDrift prints a page of the tenant's drift report.
func runDrift(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, err := newCommand("drift", getenv, stderr)
	if err != nil {
		return err
	}
	var tenant, after string
	var limit int
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	cmd.fs.StringVar(&after, "after", "", "the cursor the previous page printed")
	cmd.fs.IntVar(&limit, "limit", 100, "users per page (1 to 1000)")
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if len(cmd.args) != 0 || limit < 1 || limit > 1000 {
		return fmt.Errorf("drift: want --tenant NAME and a --limit of 1 to 1000, no arguments")
	}
	t, err := cmd.store.Tenant(ctx, tenant)
	if err != nil {
		return fmt.Errorf("drift: %w", err)
	}
	p, err := cmd.admin.DriftReport(ctx, t.ID, after, limit)
	if err != nil {
		return fmt.Errorf("drift: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tATTRIBUTE\tMODE\tAPP\tIDP")
	for _, d := range p.Drift {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", clean(d.UserName), clean(d.Attribute), d.Mode, clean(jsonText(d.App)), clean(jsonText(d.IdP)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p.Next != "" {
		fmt.Fprintf(stderr, "roster: more: roster drift --tenant %s --after %s\n", tenant, p.Next)
	}
	return nil
}

// jsonText prints a value as JSON: "Sales" with its quotes, null for none.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
