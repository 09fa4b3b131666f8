package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// command opens the store for a CLI subcommand after parsing its flags.
type command struct {
	cfg   Config
	fs    *flag.FlagSet
	args  []string
	store roster.Store
	admin *admin.Service
}

func newCommand(name string, getenv func(string) string, stderr io.Writer) (*command, error) {
	c, err := defaultConfig(getenv)
	if err != nil {
		return nil, err
	}
	cmd := &command{cfg: c, fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	cmd.fs.SetOutput(stderr)
	commonFlags(cmd.fs, &cmd.cfg)
	return cmd, nil
}

// open parses args and opens the store.
func (c *command) open(ctx context.Context, args []string, stderr io.Writer) error {
	pos, err := parse(c.fs, args)
	if err != nil {
		return err
	}
	c.args = pos
	if err := c.cfg.validate(); err != nil {
		return err
	}
	log := c.cfg.logger(stderr)
	c.store, err = openStore(ctx, c.cfg, log, false)
	if err != nil {
		return err
	}
	c.admin = admin.New(c.store, time.Now, log)
	return nil
}

func runTenant(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("tenant: want create NAME, list, get NAME, update NAME, disable NAME, enable NAME or delete NAME --confirm NAME")
	}
	cmd, err := newCommand("tenant "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		var display string
		cmd.fs.StringVar(&display, "display-name", "", "the customer's name as people read it (free text)")
		if err := cmd.open(ctx, args[1:], stderr); err != nil {
			return err
		}
		defer cmd.store.Close()
		if len(cmd.args) != 1 {
			return fmt.Errorf("tenant create: want one NAME")
		}
		t, err := cmd.admin.CreateTenant(ctx, cmd.args[0], display)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\n", t.ID, t.Name)
		fmt.Fprintf(stderr, "roster: created tenant %q; issue its token with: roster token create --tenant %s\n", t.Name, t.Name)
		return nil
	case "list":
		if err := cmd.open(ctx, args[1:], stderr); err != nil {
			return err
		}
		defer cmd.store.Close()
		tenants, err := cmd.admin.Tenants(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tRATE\tBURST\tDISPLAY NAME")
		for _, t := range tenants {
			l := t.Settings.RateLimit
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Created.UTC().Format(time.RFC3339),
				orDefault(l.Rate != 0, fmt.Sprintf("%g/s", l.Rate)), orDefault(l.Burst != 0, fmt.Sprint(l.Burst)), t.DisplayName)
		}
		return tw.Flush()
	case "get":
		if err := cmd.open(ctx, args[1:], stderr); err != nil {
			return err
		}
		defer cmd.store.Close()
		if len(cmd.args) != 1 {
			return fmt.Errorf("tenant get: want one NAME (or id)")
		}
		return getTenant(ctx, cmd, cmd.args[0], stdout)
	case "update":
		return updateTenant(ctx, cmd, args[1:], stderr)
	case "delete":
		var confirm string
		cmd.fs.StringVar(&confirm, "confirm", "", "the tenant's name again: deleting cannot be undone")
		if err := cmd.open(ctx, args[1:], stderr); err != nil {
			return err
		}
		defer cmd.store.Close()
		if len(cmd.args) != 1 {
			return fmt.Errorf("tenant delete: want one NAME")
		}
		t, err := cmd.admin.DeleteTenant(ctx, cmd.args[0], confirm)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: tenant %q deleted with all its rows\n", t.Name)
		return nil
	case "disable", "enable":
		if err := cmd.open(ctx, args[1:], stderr); err != nil {
			return err
		}
		defer cmd.store.Close()
		if len(cmd.args) != 1 {
			return fmt.Errorf("tenant %s: want one NAME", args[0])
		}
		if args[0] == "disable" {
			t, err := cmd.admin.DisableTenant(ctx, cmd.args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "roster: tenant %q disabled: running servers refuse its SCIM requests and sign-ins within a second; nothing was deleted\n", t.Name)
			return nil
		}
		t, err := cmd.admin.EnableTenant(ctx, cmd.args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "roster: tenant %q enabled\n", t.Name)
		return nil
	}
	return unknownSubcommand("tenant", args[0])
}

// updateTenant changes a tenant's settings, organization and domains; the
// flags not given keep their values. Running servers apply the rate limit
// within a second, the rest at once.
func updateTenant(ctx context.Context, cmd *command, args []string, stderr io.Writer) error {
	var (
		l         roster.RateLimit
		signIn    tenantSignInFlags
		display   string
		directory string
	)
	cmd.fs.StringVar(&display, "display-name", "", `the customer's name as people read it ("" clears it)`)
	signIn.register(cmd.fs)
	cmd.fs.Float64Var(&l.Rate, "rate", 0, "requests per second the tenant may send on average; 0: the server's default (--rate-limit)")
	cmd.fs.IntVar(&l.Burst, "burst", 0, "requests the tenant may send at once; 0: the server's default (--rate-burst)")
	cmd.fs.StringVar(&directory, "directory", "", `the directory that provisions the tenant: `+directoryChoices()+`; "" clears it (see docs/directories.md)`)
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if len(cmd.args) != 1 {
		return fmt.Errorf("tenant update: want one NAME")
	}
	var u admin.TenantUpdate
	cmd.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "rate":
			u.Rate = &l.Rate
		case "burst":
			u.Burst = &l.Burst
		case "display-name":
			u.DisplayName = &display
		case "directory":
			d := roster.Directory(directory)
			u.Directory = &d
		}
	})
	signIn.update(cmd.fs, &u)
	t, err := cmd.admin.UpdateTenant(ctx, cmd.args[0], u)
	if err != nil {
		return err
	}
	s := t.Settings
	l = s.RateLimit
	fmt.Fprintf(stderr, "roster: tenant %q: rate %s, burst %s, directory %s; running servers apply it within a second\n",
		t.Name, orDefault(l.Rate != 0, fmt.Sprintf("%g/s", l.Rate)), orDefault(l.Burst != 0, fmt.Sprint(l.Burst)), directoryName(s.Directory))
	return nil
}

// directoryChoices lists the directories a tenant may choose.
func directoryChoices() string {
	names := make([]string, len(roster.Directories))
	for i, d := range roster.Directories {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// directoryName is a tenant's directory as the command line prints it.
func directoryName(d roster.Directory) string {
	if d == "" {
		return "not chosen"
	}
	return string(d)
}

// orDefault returns s when set, else "default".
func orDefault(set bool, s string) string {
	if !set {
		return "default"
	}
	return s
}

// getTenant prints one tenant: its settings, what it holds, and its SCIM
// traffic over the last day.
func getTenant(ctx context.Context, cmd *command, ref string, stdout io.Writer) error {
	t, st, err := cmd.admin.TenantWithStats(ctx, ref)
	if err != nil {
		return fmt.Errorf("tenant get: %w", err)
	}
	l := t.Settings.RateLimit
	tokens := fmt.Sprint(st.Tokens)
	if !st.TokensExpire.IsZero() {
		tokens += ", the last expiring " + stamp(st.TokensExpire)
	}
	state := "enabled"
	if t.Disabled {
		state = "disabled: SCIM and sign-in refused (roster tenant enable " + t.Name + ")"
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, f := range [][2]string{
		{"id", t.ID}, {"name", t.Name}, {"display name", orDash(t.DisplayName)}, {"organization", orDash(t.Organization)},
		{"created", stamp(t.Created)}, {"state", state},
		{"rate limit", orDefault(l.Rate != 0, fmt.Sprintf("%g/s", l.Rate)) + ", burst " + orDefault(l.Burst != 0, fmt.Sprint(l.Burst))},
		{"directory", directoryName(t.Settings.Directory)},
		{"users", fmt.Sprint(st.Users)}, {"groups", fmt.Sprint(st.Groups)}, {"live tokens", tokens},
		{"last Test Connection", stamp(st.TestConnection)}, {"last request", stamp(st.LastRequest)}, {"last success", stamp(st.LastSuccess)},
		{"requests, last 24h", fmt.Sprintf("%d (%d failed, %d throttled)", st.Requests, st.Failures, st.Throttled)},
		{"webhook backlog", fmt.Sprint(st.Backlog)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	return tw.Flush()
}
