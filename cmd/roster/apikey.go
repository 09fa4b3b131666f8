package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

func runAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("apikey: want create, list or revoke")
	}
	cmd, err := newCommand("apikey "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant, name, scope string
	switch args[0] {
	case "create":
		cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id the key may read (default: every tenant)")
		cmd.fs.StringVar(&name, "name", "", "a label to tell keys apart")
		cmd.fs.StringVar(&scope, "scope", "read", "read, or write: also create the users the app had and write the attributes the policy gives the app")
	case "list", "revoke":
	default:
		return unknownSubcommand("apikey", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()

	switch args[0] {
	case "create":
		secret, k, err := cmd.admin.CreateAPIKey(ctx, tenant, name, scope)
		if err != nil {
			return err
		}
		sees := "every tenant"
		if k.TenantID != "" {
			sees = fmt.Sprintf("tenant %q", k.Tenant)
		}
		fmt.Fprintf(stderr, "roster: %s API key %s for %s created; it is shown only once\n", k.Scope, k.ID, sees)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		ks, err := cmd.admin.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tTENANT\tSCOPE\tCREATED\tSTATUS")
		for _, k := range ks {
			status := "live"
			if !k.Revoked.IsZero() {
				status = "revoked " + stamp(k.Revoked)
			}
			fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, orStar(k.Tenant), k.Scope, stamp(k.Created), status)
		}
		return tw.Flush()
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("apikey revoke: want one key ID (see roster apikey list)")
	}
	if err := cmd.admin.RevokeAPIKey(ctx, cmd.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: API key %s revoked\n", cmd.args[0])
	return nil
}

// orStar prints the tenant of a key or webhook, "*" for every tenant.
func orStar(tenant string) string {
	if tenant == "" {
		return "*"
	}
	return tenant
}
