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
)

const setupLinkUsage = "setup-link: want create, list or revoke"

func runSetupLink(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(setupLinkUsage)
	}
	cmd, err := newCommand("setup-link "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant, expires, scopes string
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	switch args[0] {
	case "create":
		cmd.fs.StringVar(&expires, "expires", "72h", "how long the link may be redeemed, e.g. 72h or 7d (at most 30d)")
		cmd.fs.StringVar(&scopes, "scope", "scim,sso,log", "what the customer may do: scim (provisioning), sso (sign-in), log (read the provisioning log), held (release or revert what the deprovisioning guard holds)")
		cmd.fs.StringVar(&cmd.cfg.PublicURL, "public-url", cmd.cfg.PublicURL, "Roster's public URL (env ROSTER_PUBLIC_URL); default: the one the last server to start recorded")
	case "list", "revoke":
	default:
		return unknownSubcommand("setup-link", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if tenant == "" {
		return fmt.Errorf("setup-link %s: --tenant is required", args[0])
	}

	switch args[0] {
	case "create":
		ttl, err := parseDuration(expires)
		if err != nil {
			return err
		}
		secret, l, err := cmd.admin.CreateSetupLink(ctx, tenant, ttl, strings.Split(scopes, ","))
		if err != nil {
			return err
		}
		base, err := cmd.admin.PublicURL(ctx, cmd.cfg.PublicURL, "http://"+cmd.cfg.Addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: setup link %s for tenant %q (%s) created; it works once, until %s, and is shown only now\n",
			l.ID, tenant, strings.Join(l.Scopes, ", "), l.Expires.UTC().Format(time.RFC3339))
		fmt.Fprintln(stdout, admin.SetupURL(base, secret))
		return nil
	case "list":
		_, ls, err := cmd.admin.SetupLinks(ctx, tenant)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tSCOPES\tCREATED\tBY\tEXPIRES\tSTATUS")
		for _, l := range ls {
			fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Prefix, strings.Join(l.Scopes, ","), stamp(l.Created), l.CreatedBy,
				stamp(l.Expires), cmd.admin.SetupLinkStatus(l))
		}
		return tw.Flush()
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("setup-link revoke: want one link ID (see roster setup-link list)")
	}
	if err := cmd.admin.RevokeSetupLink(ctx, tenant, cmd.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: setup link %s revoked; its session has ended\n", cmd.args[0])
	return nil
}
