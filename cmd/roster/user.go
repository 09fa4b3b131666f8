package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// runUser lists and shows users, sets how a user signs in (its login method
// and its password), and restores or purges a deleted user.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const want = "list, get, login-method, set-password, restore, purge or import"
	if len(args) == 0 {
		return fmt.Errorf("user: want %s", want)
	}
	cmd, err := newCommand("user "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant string
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	var page pageFlags
	switch args[0] {
	case "list":
		page.add(cmd.fs, "userName")
	case "get", "login-method", "set-password", "restore", "purge", "import":
	default:
		return unknownSubcommand("user", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	switch args[0] {
	case "list":
		if len(cmd.args) != 0 {
			return fmt.Errorf("user list: takes no arguments: search with --search TEXT")
		}
		if page.limit < 1 || page.limit >= admin.MaxPage {
			return fmt.Errorf("user list: --limit %d: want 1 to %d", page.limit, admin.MaxPage-1)
		}
		return listUsers(ctx, cmd, tenant, page, stdout, stderr)
	case "get":
		if len(cmd.args) != 1 {
			return fmt.Errorf("user get: want USER (id, userName or externalId)")
		}
		return getUser(ctx, cmd, tenant, cmd.args[0], stdout)
	case "login-method":
		if len(cmd.args) != 2 {
			return fmt.Errorf("user login-method: want USER (id or userName) and idp, password or either")
		}
		t, u, err := cmd.admin.SetLoginMethod(ctx, tenant, cmd.args[0], cmd.args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: user %s of tenant %q signs in by %s\n", u.UserName, t.Name, describeMethod(u.LoginMethod))
		return nil
	case "import":
		if len(cmd.args) != 1 {
			return fmt.Errorf("user import: want one FILE.csv or FILE.ndjson")
		}
		return importUsers(ctx, cmd, tenant, cmd.args[0], stdout)
	case "restore", "purge":
		if len(cmd.args) != 1 {
			return fmt.Errorf("user %s: want USER (id, userName or externalId of a deleted user)", args[0])
		}
		return restoreOrPurge(ctx, cmd, args[0], tenant, cmd.args[0], stdout)
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("user set-password: want USER (id or userName); the password is read from stdin")
	}
	return setPassword(ctx, cmd, tenant, cmd.args[0], os.Stdin, stderr)
}

// listUsers prints a page of the tenant's users, and on stderr how to ask for
// the next one.
func listUsers(ctx context.Context, cmd *command, tenant string, page pageFlags, stdout, stderr io.Writer) error {
	t, us, err := cmd.admin.UserPage(ctx, tenant, roster.UserPageQuery{Search: page.search, After: page.after, Limit: page.limit + 1})
	if err != nil {
		return fmt.Errorf("user list: %w", err)
	}
	more := len(us) > page.limit
	us = us[:min(len(us), page.limit)]
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tEXTERNAL ID\tACTIVE\tEMAIL\tMODIFIED")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\n", u.ID, clean(u.UserName), orDash(clean(u.ExternalID)), u.Active, orDash(clean(primaryEmail(u))), stamp(u.Modified))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(stderr, "roster: more users of tenant %q: add --after %s\n", t.Name, shellQuote(us[len(us)-1].UserName))
	}
	return nil
}

// getUser prints one user: its indexed attributes, its groups and its SCIM
// document as the IdP wrote it.
func getUser(ctx context.Context, cmd *command, tenant, ref string, stdout io.Writer) error {
	t, u, err := cmd.admin.FindUser(ctx, tenant, ref)
	if err != nil {
		return fmt.Errorf("user get: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, f := range [][2]string{
		{"tenant", t.Name}, {"id", u.ID}, {"userName", clean(u.UserName)}, {"externalId", orDash(clean(u.ExternalID))},
		{"displayName", orDash(clean(u.DisplayName))}, {"active", fmt.Sprint(u.Active)},
		{"in the app", fmt.Sprint(u.Entitlements.Active)}, {"sign-in", describeMethod(u.LoginMethod)},
		{"created", stamp(u.Created)}, {"modified", stamp(u.Modified)}, {"version", fmt.Sprint(u.Version)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	for _, e := range u.Emails {
		fmt.Fprintf(tw, "email:\t%s\n", clean(strings.TrimSpace(e.Value+" "+e.Type+map[bool]string{true: " (primary)"}[e.Primary])))
	}
	for _, g := range u.Groups {
		fmt.Fprintf(tw, "group:\t%s %s\n", g.ID, clean(g.DisplayName))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	doc, err := json.MarshalIndent(u.Doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "document:\n%s\n", clean(string(doc)))
	return err
}

// primaryEmail is the user's primary email, else its first.
func primaryEmail(u *roster.User) string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return ""
}

// restoreOrPurge brings back, or removes for good, the deleted user ref.
func restoreOrPurge(ctx context.Context, cmd *command, action, tenant, ref string, stdout io.Writer) error {
	if action == "purge" {
		t, u, err := cmd.admin.PurgeUser(ctx, tenant, ref)
		if err != nil {
			return fmt.Errorf("user purge: %w", err)
		}
		fmt.Fprintf(stdout, "purged user %s (%s) of tenant %q for good\n", u.ID, u.UserName, t.Name)
		return nil
	}
	t, u, err := cmd.admin.RestoreUser(ctx, tenant, ref)
	if err != nil {
		if roster.ErrorCode(err) == roster.ECONFLICT {
			return fmt.Errorf("user restore: %w: the live user must be deleted or renamed first", err)
		}
		return fmt.Errorf("user restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored user %s (%s) of tenant %q with %d groups\n", u.ID, u.UserName, t.Name, len(u.Groups))
	return nil
}

// setPassword reads a password (readPassword) from in and sets it as the
// user's.
func setPassword(ctx context.Context, cmd *command, tenant, user string, in io.Reader, stderr io.Writer) error {
	password, err := readPassword(in)
	if err != nil {
		return fmt.Errorf("user set-password: %w", err)
	}
	t, u, err := cmd.admin.SetUserPassword(ctx, tenant, user, password)
	if err != nil {
		return fmt.Errorf("user set-password: %w", err)
	}
	fmt.Fprintf(stderr, "roster: password of user %s of tenant %q set\n", u.UserName, t.Name)
	if !roster.AllowsLogin(u.LoginMethod, roster.LoginMethodPassword) {
		fmt.Fprintf(stderr, "roster: its login method is %s: to let it in with the password, roster user login-method --tenant %s %s password (or either)\n",
			u.LoginMethod, t.Name, u.UserName)
	}
	return nil
}

func describeMethod(m string) string {
	switch m {
	case roster.LoginMethodPassword:
		return "password only"
	case roster.LoginMethodEither:
		return "the IdP or a password"
	}
	return "the IdP only"
}

// importUsers creates the users of a CSV or NDJSON file the host app already
// had, and prints what became of each line.
func importUsers(ctx context.Context, cmd *command, tenant, path string, stdout io.Writer) error {
	var ndjson bool
	switch {
	case strings.HasSuffix(strings.ToLower(path), ".ndjson"), strings.HasSuffix(strings.ToLower(path), ".jsonl"):
		ndjson = true
	case strings.HasSuffix(strings.ToLower(path), ".csv"):
	default:
		return fmt.Errorf("user import: %s: want a .csv or .ndjson file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("user import: %w", err)
	}
	defer f.Close()
	t, sum, err := cmd.admin.ImportUsers(ctx, tenant, f, ndjson)
	if err != nil {
		return fmt.Errorf("user import: %w", err)
	}
	fmt.Fprintf(stdout, "tenant %s: %d created, %d already present, %d refused\n", t.Name, sum.Created, sum.Present, len(sum.Refused))
	for _, r := range sum.Refused {
		fmt.Fprintf(stdout, "line %d: %s: %s\n", r.Line, orDash(clean(r.UserName)), clean(r.Reason))
	}
	return nil
}
