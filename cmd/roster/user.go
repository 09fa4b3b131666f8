package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/rosterhq/roster"
)

// runUser sets how a user signs in: its login method and its password.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("user: want login-method or set-password")
	}
	cmd, err := newCommand("user "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant string
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	switch args[0] {
	case "login-method", "set-password":
	default:
		return fmt.Errorf("user: unknown subcommand %q: want login-method or set-password", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	want := 1
	if args[0] == "login-method" {
		want = 2
	}
	if len(cmd.args) != want {
		if want == 2 {
			return fmt.Errorf("user login-method: want USER (id or userName) and idp, password or either")
		}
		return fmt.Errorf("user set-password: want USER (id or userName); the password is read from stdin")
	}
	if args[0] == "login-method" {
		t, u, err := cmd.admin.SetLoginMethod(ctx, tenant, cmd.args[0], cmd.args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: user %s of tenant %q signs in by %s\n", u.UserName, t.Name, describeMethod(u.LoginMethod))
		return nil
	}
	return setPassword(ctx, cmd, tenant, cmd.args[0], os.Stdin, stderr)
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
