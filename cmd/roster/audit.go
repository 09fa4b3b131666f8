package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"text/tabwriter"

	"github.com/rosterhq/roster/admin"
)

// cliActor is who runs a command: the OS user at this host.
func cliActor() admin.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return admin.Actor{Kind: "cli", Name: name + "@" + hostname()}
}

// serverActor is a server acting by itself (first start).
func serverActor() admin.Actor {
	return admin.Actor{Kind: "server", Name: hostname()}
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, err := newCommand("audit", getenv, stderr)
	if err != nil {
		return err
	}
	var (
		tenant string
		limit  int
	)
	cmd.fs.StringVar(&tenant, "tenant", "", "only this tenant's actions (name or id; a deleted tenant's too)")
	cmd.fs.IntVar(&limit, "limit", admin.DefaultAuditLimit, fmt.Sprintf("at most this many rows (up to %d)", admin.MaxAuditLimit))
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if len(cmd.args) != 0 {
		return fmt.Errorf("audit: unexpected argument %q", cmd.args[0])
	}
	es, err := cmd.admin.Audit(ctx, tenant, limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTOR\tSOURCE\tACTION\tTENANT\tTARGET\tBEFORE\tAFTER")
	for _, e := range es {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format("2006-01-02 15:04:05"), e.Actor, orDash(e.Source),
			e.Action, orDash(e.Tenant), orDash(e.Target), compact(e.Before), compact(e.After))
	}
	return tw.Flush()
}

// compact prints a JSON document on one line without spaces, "-" for none.
func compact(doc []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, doc) != nil || b.Len() == 0 {
		return orDash(string(doc))
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
