package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
)

// runHeld lists, releases or reverts the deactivations and deletes a
// tenant's deprovisioning guard holds.
func runHeld(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const want = "list, release or revert"
	if len(args) == 0 {
		return fmt.Errorf("held: want %s", want)
	}
	cmd, err := newCommand("held "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var (
		tenant string
		all    bool
	)
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	switch args[0] {
	case "list":
	case "release", "revert":
		cmd.fs.BoolVar(&all, "all", false, "every held operation of the tenant")
	default:
		return fmt.Errorf("held: unknown subcommand %q: want %s", args[0], want)
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if tenant == "" {
		return fmt.Errorf("held %s: --tenant is required", args[0])
	}
	switch args[0] {
	case "release":
		t, ops, err := cmd.admin.ReleaseHeld(ctx, tenant, all, cmd.args)
		if err != nil {
			return fmt.Errorf("held release: %w (want --all or the ids roster held list shows)", err)
		}
		fmt.Fprintf(stdout, "released %d held operations of tenant %q: their events are on their way to the app\n", len(ops), t.Name)
		return nil
	case "revert":
		t, ops, err := cmd.admin.RevertHeld(ctx, tenant, all, cmd.args)
		if err != nil {
			return fmt.Errorf("held revert: %w (want --all or the ids roster held list shows)", err)
		}
		fmt.Fprintf(stdout, "reverted %d held operations of tenant %q: the users are back\n", len(ops), t.Name)
		return nil
	}
	if len(cmd.args) != 0 {
		return fmt.Errorf("held list: takes no arguments")
	}
	_, ops, err := cmd.admin.HeldOperations(ctx, tenant, roster.HeldQuery{})
	if err != nil {
		return fmt.Errorf("held list: %w", err)
	}
	return writeHeld(stdout, ops)
}

// writeHeld prints held operations as a table, oldest first.
func writeHeld(w io.Writer, ops []*roster.HeldOperation) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tHELD\tKIND\tUSER\tUSERNAME\tEVENT")
	for _, o := range ops {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Held.UTC().Format(time.RFC3339), o.Kind, o.UserID, o.UserName, o.Event)
	}
	return tw.Flush()
}
