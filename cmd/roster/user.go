package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/sso"
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
	t, err := cmd.store.Tenant(ctx, tenant)
	if err != nil {
		return err
	}
	u, err := findUser(ctx, cmd.store, t.ID, cmd.args[0])
	if err != nil {
		return err
	}
	if args[0] == "login-method" {
		method, err := roster.ParseLoginMethod(cmd.args[1])
		if err != nil {
			return err
		}
		if err := cmd.store.SetLoginMethod(ctx, t.ID, u.ID, method); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: user %s of tenant %q signs in by %s\n", u.UserName, t.Name, describeMethod(method))
		return nil
	}
	return setPassword(ctx, cmd.store, t, u, os.Stdin, stderr)
}

// setPassword reads a password (readPassword) from in and stores its hash.
func setPassword(ctx context.Context, store roster.Store, t *roster.Tenant, u *roster.User, in io.Reader, stderr io.Writer) error {
	password, err := readPassword(in)
	if err != nil {
		return fmt.Errorf("user set-password: %w", err)
	}
	hash, err := sso.HashPassword(password)
	if err != nil {
		return fmt.Errorf("user set-password: %w", err)
	}
	if err := store.SetPassword(ctx, t.ID, u.ID, hash); err != nil {
		return err
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

// findUser finds a live user of the tenant by id, else by userName (ignoring
// case). ENOTFOUND.
func findUser(ctx context.Context, store roster.Store, tenantID, ref string) (*roster.User, error) {
	u, err := store.User(ctx, tenantID, ref)
	if roster.ErrorCode(err) != roster.ENOTFOUND {
		return u, err
	}
	us, _, err := store.Users(ctx, tenantID, roster.Query{
		Filter: &filter.Compare{Attr: filter.AttrPath{Name: "userName"}, Op: filter.Eq, Value: filter.Value{Kind: filter.KindString, Text: ref}},
		Resolve: func(p filter.AttrPath) (filter.Attr, bool) {
			return filter.Attr{Type: filter.String}, p.Name == "userName"
		},
		StartIndex: 1, Count: 1, WithoutMembers: true,
	})
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, roster.Errorf(roster.ENOTFOUND, "no user has the id or userName %q", ref)
	}
	return us[0], nil
}
