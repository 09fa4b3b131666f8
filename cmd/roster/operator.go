package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
)

func runOperator(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("operator: want create --email E, list, remove --email E or password --email E")
	}
	cmd, err := newCommand("operator "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var email, role string
	switch args[0] {
	case "create":
		cmd.fs.StringVar(&email, "email", "", "the operator's email, which they sign in with")
		cmd.fs.StringVar(&role, "role", roster.OperatorViewer, "admin (changes settings, tenants and operators) or viewer (reads them)")
	case "remove", "password":
		cmd.fs.StringVar(&email, "email", "", "the operator's email")
	case "list":
	default:
		return unknownSubcommand("operator", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if len(cmd.args) != 0 {
		return fmt.Errorf("operator %s: unexpected argument %q", args[0], cmd.args[0])
	}
	if args[0] != "list" && email == "" {
		return fmt.Errorf("operator %s: want --email", args[0])
	}
	switch args[0] {
	case "create":
		password, err := readPassword(os.Stdin)
		if err != nil {
			return fmt.Errorf("operator create: %w", err)
		}
		o, err := cmd.admin.CreateOperator(ctx, email, role, password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: created operator %s (%s)\n", o.Email, o.Role)
		return nil
	case "remove":
		if err := cmd.admin.RemoveOperator(ctx, email); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: operator %s removed\n", email)
		return nil
	case "password":
		password, err := readPassword(os.Stdin)
		if err != nil {
			return fmt.Errorf("operator password: %w", err)
		}
		if err := cmd.admin.SetOperatorPassword(ctx, email, password); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: password of operator %s set\n", email)
		return nil
	}
	return listOperators(ctx, cmd, stdout)
}

func listOperators(ctx context.Context, cmd *command, stdout io.Writer) error {
	ops, err := cmd.admin.Operators(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tROLE\tCREATED\tLAST SIGN-IN")
	for _, o := range ops {
		last := "never"
		if !o.LastSignIn.IsZero() {
			last = o.LastSignIn.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Email, o.Role, o.Created.UTC().Format(time.RFC3339), last)
	}
	return tw.Flush()
}

// readPassword reads a password, the first line of in, never a flag: a
// command line is seen by every user of the host and kept in shell history.
// Bytes past 4 KiB are not read; the admin service refuses a password that long.
func readPassword(in io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", roster.Errorf(roster.EINVALID, "no password on stdin: write it as one line")
	}
	return password, nil
}
