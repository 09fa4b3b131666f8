package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster/scim/server"
	"github.com/rosterhq/roster/sso"
)

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("token: want create, list or revoke")
	}
	cmd, err := newCommand("token "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var (
		tenant, name, expires string
		oauth                 bool
	)
	switch args[0] {
	case "create":
		cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (required)")
		cmd.fs.StringVar(&name, "name", "", "a label to tell tokens apart")
		cmd.fs.StringVar(&expires, "expires", "", "lifetime, e.g. 720h or 90d (default: never)")
		cmd.fs.BoolVar(&oauth, "oauth", false, "an OAuth 2.0 client (client id and secret for the token endpoint) instead of a secret token")
	case "list":
		cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	case "revoke":
	default:
		return unknownSubcommand("token", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()

	switch args[0] {
	case "create":
		var ttl time.Duration
		if expires != "" {
			if ttl, err = parseDuration(expires); err != nil {
				return err
			}
		}
		if tenant == "" {
			return fmt.Errorf("token create: --tenant is required")
		}
		if oauth {
			if expires != "" {
				return fmt.Errorf("token create: --expires is for secret tokens; an OAuth client lives until revoked, its access tokens an hour")
			}
			return createOAuthClient(ctx, cmd, tenant, name, stdout, stderr)
		}
		secret, _, err := cmd.admin.CreateToken(ctx, tenant, name, ttl)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: token for tenant %q created; it is shown only once\n", tenant)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		if tenant == "" {
			return fmt.Errorf("token list: --tenant is required")
		}
		_, toks, err := cmd.admin.Tokens(ctx, tenant)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tPREFIX\tNAME\tCREATED\tLAST USED\tEXPIRES\tSTATUS")
		for _, k := range toks {
			fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Kind, k.Prefix, k.Name, stamp(k.Created), stamp(k.LastUsed), stamp(k.Expires), cmd.admin.TokenStatus(k))
		}
		return tw.Flush()
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("token revoke: want one token ID (see roster token list)")
	}
	if err := cmd.admin.RevokeToken(ctx, cmd.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: token %s revoked\n", cmd.args[0])
	return nil
}

// createOAuthClient issues an OAuth client of the tenant's SCIM API and prints
// its id, then its secret as the last line: the secret is shown only once.
func createOAuthClient(ctx context.Context, cmd *command, tenant, name string, stdout, stderr io.Writer) error {
	secret, c, err := cmd.admin.CreateOAuthClient(ctx, tenant, name)
	if err != nil {
		return err
	}
	base, err := cmd.admin.PublicURL(ctx, cmd.cfg.PublicURL, "http://"+cmd.cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: OAuth client for tenant %q created; its secret is shown only once\n", tenant)
	fmt.Fprintf(stderr, "roster: token endpoint %s%s, tenant URL %s%s\n", base, sso.TokenPath, base, server.Prefix)
	fmt.Fprintf(stdout, "client_id=%s\n", c.ID)
	fmt.Fprintf(stdout, "client_secret=%s\n", secret)
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
