package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/rosterhq/roster"
)

func runAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("apikey: want create, list or revoke")
	}
	cmd, err := newCommand("apikey "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant, name string
	switch args[0] {
	case "create":
		cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id the key may read (default: every tenant)")
		cmd.fs.StringVar(&name, "name", "", "a label to tell keys apart")
	case "list", "revoke":
	default:
		return fmt.Errorf("apikey: unknown subcommand %q: want create, list or revoke", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()

	switch args[0] {
	case "create":
		k := &roster.APIKey{Name: name}
		scope := "every tenant"
		if tenant != "" {
			t, err := cmd.store.Tenant(ctx, tenant)
			if err != nil {
				return err
			}
			k.TenantID, scope = t.ID, fmt.Sprintf("tenant %q", t.Name)
		}
		secret, prefix, hash := roster.NewAPIKeySecret()
		k.Prefix, k.Hash = prefix, hash
		if err := cmd.store.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: API key %s for %s created; it is shown only once\n", k.ID, scope)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		ks, err := cmd.store.APIKeys(ctx)
		if err != nil {
			return err
		}
		names, err := tenantNames(ctx, cmd.store)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tTENANT\tCREATED\tSTATUS")
		for _, k := range ks {
			status := "live"
			if !k.Revoked.IsZero() {
				status = "revoked " + stamp(k.Revoked)
			}
			fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, scopeName(names, k.TenantID), stamp(k.Created), status)
		}
		return tw.Flush()
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("apikey revoke: want one key ID (see roster apikey list)")
	}
	if err := cmd.store.RevokeAPIKey(ctx, cmd.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: API key %s revoked\n", cmd.args[0])
	return nil
}

// tenantNames maps tenant ids to names.
func tenantNames(ctx context.Context, store roster.Store) (map[string]string, error) {
	ts, err := store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(ts))
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	return names, nil
}

// scopeName prints a tenant id by name, or "*" for every tenant.
func scopeName(names map[string]string, tenantID string) string {
	if tenantID == "" {
		return "*"
	}
	if n, ok := names[tenantID]; ok {
		return n
	}
	return tenantID
}
