package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/term"
)

// pageFlags are the flags of a list that pages: what to search, where the
// previous page ended, and how many to print.
type pageFlags struct {
	search, after string
	limit         int
}

// add defines the flags on fs; after names what --after takes.
func (p *pageFlags) add(fs *flag.FlagSet, after string) {
	fs.StringVar(&p.search, "search", "", "keep those that match: an exact id or externalId, or the start of a name (any case)")
	fs.StringVar(&p.after, "after", "", "start after this "+after+" (printed at the end of the previous page)")
	fs.IntVar(&p.limit, "limit", admin.DefaultPage, fmt.Sprintf("how many to print, at most %d", admin.MaxPage-1))
}

// clean makes a value an IdP wrote safe to print on a terminal.
func clean(s string) string { return term.Clean(s) }

// shellQuote quotes s for a shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("@._-+/:=", c))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(clean(s), "'", `'\''`) + "'"
}

// runGroup lists and shows a tenant's groups, and restores or purges a
// deleted one.
func runGroup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const want = "list, get, restore or purge"
	if len(args) == 0 {
		return fmt.Errorf("group: want %s", want)
	}
	cmd, err := newCommand("group "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant string
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	var page pageFlags
	switch args[0] {
	case "list":
		page.add(cmd.fs, "group id")
	case "get":
		page.add(cmd.fs, "member id")
	case "restore", "purge":
	default:
		return unknownSubcommand("group", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if args[0] == "restore" || args[0] == "purge" {
		if len(cmd.args) != 1 {
			return fmt.Errorf("group %s: want GROUP (id, displayName or externalId of a deleted group)", args[0])
		}
		return restoreOrPurgeGroup(ctx, cmd, args[0], tenant, cmd.args[0], stdout)
	}
	if page.limit < 1 || page.limit >= admin.MaxPage {
		return fmt.Errorf("group %s: --limit %d: want 1 to %d", args[0], page.limit, admin.MaxPage-1)
	}
	if args[0] == "list" {
		if len(cmd.args) != 0 {
			return fmt.Errorf("group list: takes no arguments: search with --search TEXT")
		}
		return listGroups(ctx, cmd, tenant, page, stdout, stderr)
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("group get: want GROUP (id, displayName or externalId)")
	}
	return getGroup(ctx, cmd, tenant, cmd.args[0], page, stdout, stderr)
}

// listGroups prints a page of the tenant's groups, and on stderr how to ask
// for the next one.
func listGroups(ctx context.Context, cmd *command, tenant string, page pageFlags, stdout, stderr io.Writer) error {
	q := roster.GroupPageQuery{Search: page.search, Limit: page.limit + 1}
	if page.after != "" {
		_, g, err := cmd.admin.FindGroup(ctx, tenant, page.after)
		if err != nil {
			return fmt.Errorf("group list: --after: %w", err)
		}
		q.AfterName, q.AfterID = g.DisplayName, g.ID
	}
	t, gs, err := cmd.admin.GroupPage(ctx, tenant, q)
	if err != nil {
		return fmt.Errorf("group list: %w", err)
	}
	more := len(gs) > page.limit
	gs = gs[:min(len(gs), page.limit)]
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDISPLAY NAME\tEXTERNAL ID\tMODIFIED")
	for _, g := range gs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.ID, clean(g.DisplayName), orDash(clean(g.ExternalID)), stamp(g.Modified))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(stderr, "roster: more groups of tenant %q: add --after %s\n", t.Name, gs[len(gs)-1].ID)
	}
	return nil
}

// getGroup prints one group and a page of its members.
func getGroup(ctx context.Context, cmd *command, tenant, ref string, page pageFlags, stdout, stderr io.Writer) error {
	t, g, err := cmd.admin.FindGroup(ctx, tenant, ref)
	if err != nil {
		return fmt.Errorf("group get: %w", err)
	}
	ms, err := cmd.admin.GroupMembers(ctx, t, g.ID, page.after, page.limit+1)
	if err != nil {
		return fmt.Errorf("group get: %w", err)
	}
	more := len(ms) > page.limit
	ms = ms[:min(len(ms), page.limit)]
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, f := range [][2]string{
		{"tenant", t.Name}, {"id", g.ID}, {"displayName", clean(g.DisplayName)}, {"externalId", orDash(clean(g.ExternalID))},
		{"created", stamp(g.Created)}, {"modified", stamp(g.Modified)}, {"version", fmt.Sprint(g.Version)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	for _, m := range ms {
		fmt.Fprintf(tw, "member:\t%s %s %s\n", m.Type, m.ID, clean(m.Display))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(stderr, "roster: more members of group %q: add --after %s\n", clean(g.DisplayName), ms[len(ms)-1].ID)
	}
	return nil
}

// restoreOrPurgeGroup brings back, or removes for good, the deleted group ref.
func restoreOrPurgeGroup(ctx context.Context, cmd *command, action, tenant, ref string, stdout io.Writer) error {
	if action == "purge" {
		t, g, err := cmd.admin.PurgeGroup(ctx, tenant, ref)
		if err != nil {
			return fmt.Errorf("group purge: %w", err)
		}
		fmt.Fprintf(stdout, "purged group %s (%s) of tenant %q for good\n", g.ID, clean(g.DisplayName), t.Name)
		return nil
	}
	t, g, err := cmd.admin.RestoreGroup(ctx, tenant, ref)
	if err != nil {
		if roster.ErrorCode(err) == roster.ECONFLICT {
			return fmt.Errorf("group restore: %w: the live group must be deleted or renamed first", err)
		}
		return fmt.Errorf("group restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored group %s (%s) of tenant %q with %d members\n", g.ID, clean(g.DisplayName), t.Name, len(g.Members))
	return nil
}
