package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/rosterhq/roster"
)

// runUser sets how a user signs in (its login method and its password), and
// restores or purges a deleted user.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const want = "login-method, set-password, restore or purge"
	if len(args) == 0 {
		return fmt.Errorf("user: want %s", want)
	}
	cmd, err := newCommand("user "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant string
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	switch args[0] {
	case "login-method", "set-password", "restore", "purge":
	default:
		return fmt.Errorf("user: unknown subcommand %q: want %s", args[0], want)
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	switch args[0] {
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
