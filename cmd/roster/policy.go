package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/scim/schema"
)

// runPolicy reads, sets and tries out a tenant's provisioning policy.
func runPolicy(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("policy: want example, get, set or test")
	}
	if args[0] == "example" { // opens no database, but takes the flags every command takes
		cmd, err := newCommand("policy example", getenv, stderr)
		if err != nil {
			return err
		}
		if _, err := parse(cmd.fs, args[1:]); err != nil {
			return err
		}
		_, err = stdout.Write(policy.Example())
		return err
	}
	cmd, err := newCommand("policy "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant string
	var ifVersion int64
	var dryRun bool
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	switch args[0] {
	case "get", "test":
	case "set":
		cmd.fs.Int64Var(&ifVersion, "if-version", 0, "set only if the current policy has this version (0: whatever it is)")
		cmd.fs.BoolVar(&dryRun, "dry-run", false, "say what the policy does to existing users, and store nothing")
	default:
		return fmt.Errorf("policy: unknown subcommand %q: want example, get, set or test", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if tenant == "" {
		return fmt.Errorf("policy %s: --tenant is required", args[0])
	}
	t, err := cmd.store.Tenant(ctx, tenant)
	if err != nil {
		return err
	}
	switch args[0] {
	case "get":
		return getPolicy(ctx, cmd.store, t, stdout, stderr)
	case "set":
		if len(cmd.args) != 1 {
			return fmt.Errorf("policy set: want one FILE (- for standard input)")
		}
		return setPolicy(ctx, cmd.store, t, cmd.args[0], ifVersion, dryRun, stdout)
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("policy test: want one USER.json (- for standard input)")
	}
	return testPolicy(ctx, cmd.store, t, cmd.args[0], stdout)
}

func getPolicy(ctx context.Context, st roster.Store, t *roster.Tenant, stdout, stderr io.Writer) error {
	sp, err := st.Policy(ctx, t.ID)
	if err != nil {
		return err
	}
	if sp.Version == 0 {
		fmt.Fprintf(stderr, "roster: tenant %q has no policy; this is the default\n", t.Name)
		_, err := stdout.Write(policy.Default().JSON())
		return err
	}
	fmt.Fprintf(stderr, "roster: tenant %q policy version %d, set %s\n", t.Name, sp.Version, sp.Updated.UTC().Format("2006-01-02 15:04:05 MST"))
	if err := printRecompute(ctx, st, t, stderr); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, sp.Doc, "", "  "); err != nil {
		return fmt.Errorf("policy get: stored policy: %w", err)
	}
	out.WriteByte('\n')
	_, err = stdout.Write(out.Bytes())
	return err
}

// printRecompute says how far the recomputation of the tenant's users under
// its policy got.
func printRecompute(ctx context.Context, st roster.Store, t *roster.Tenant, w io.Writer) error {
	r, err := st.Recompute(ctx, t.ID)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	const at = "2006-01-02 15:04:05 MST"
	if r.Finished.IsZero() {
		fmt.Fprintf(w, "roster: recompute of policy version %d: %d of %d users, started %s\n", r.Version, r.Done, r.Total, r.Started.UTC().Format(at))
		return nil
	}
	fmt.Fprintf(w, "roster: recompute of policy version %d: done at %s, %d users, %d changed (took %s)\n",
		r.Version, r.Finished.UTC().Format(at), r.Done, r.Changed, r.Finished.Sub(r.Started).Round(time.Millisecond))
	return nil
}

// setPolicy validates the file, works out what it does to the tenant's
// existing users, and stores it unless dryRun: a policy that does not parse
// changes nothing.
func setPolicy(ctx context.Context, st roster.Store, t *roster.Tenant, file string, ifVersion int64, dryRun bool, stdout io.Writer) error {
	b, err := readInput(file)
	if err != nil {
		return err
	}
	p, err := policy.Parse(b)
	if err != nil {
		return fmt.Errorf("policy set: %s: %w", file, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return fmt.Errorf("policy set: %s: %w", file, err)
	}
	im, err := p.Impact(ctx, st, t.ID, impactExamples)
	if err != nil {
		return fmt.Errorf("policy set: existing users: %w", err)
	}
	if dryRun {
		fmt.Fprintf(stdout, "tenant %s: dry run, nothing stored\n", t.Name)
		return printImpact(stdout, im)
	}
	v, err := st.SetPolicy(ctx, t.ID, compact.Bytes(), ifVersion)
	if err != nil {
		return fmt.Errorf("policy set: %w", err)
	}
	fmt.Fprintf(stdout, "tenant %s: policy version %d (running servers apply it within a second, and recompute existing users)\n", t.Name, v)
	return printImpact(stdout, im)
}

// impactExamples is how many users policy set names of each kind.
const impactExamples = 5

// printImpact writes what a policy does to existing users.
func printImpact(w io.Writer, im *policy.Impact) error {
	fmt.Fprintf(w, "existing users: %d; entitlements change for %d (%d lose access to the app); %d would fail a check if sent again\n",
		im.Users, im.Changed, im.Deactivated, im.Failing)
	for _, n := range im.ChangedExamples {
		fmt.Fprintf(w, "  changes: %s: %s\n", n.UserName, n.Note)
	}
	for _, n := range im.FailingExamples {
		fmt.Fprintf(w, "  fails:   %s: %s\n", n.UserName, n.Note)
	}
	return nil
}

// testPolicy shows what Roster would store for a user document and which
// entitlements result, writing nothing.
func testPolicy(ctx context.Context, st roster.Store, t *roster.Tenant, file string, stdout io.Writer) error {
	b, err := readInput(file)
	if err != nil {
		return err
	}
	sp, err := st.Policy(ctx, t.ID)
	if err != nil {
		return err
	}
	p, err := policy.Load(sp)
	if err != nil {
		return fmt.Errorf("policy test: the stored policy: %w", err)
	}
	folders, err := st.Folders(ctx, t.ID)
	if err != nil {
		return err
	}
	var in map[string]any
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("policy test: %s: not a JSON object: %w", file, err)
	}
	doc, err := p.Registry().Normalize("User", in, nil, schema.Options{Mode: schema.Create, Unknown: p.Unknown()})
	if err != nil {
		return fmt.Errorf("policy test: refused: %w", err)
	}
	fs := policy.NewFolderIndex(folders)
	o, err := p.User(doc, fs)
	if err != nil {
		return fmt.Errorf("policy test: refused: %w", err)
	}
	u := &roster.User{Doc: doc, Entitlements: o.Entitlements}
	out := map[string]any{
		"policyVersion": sp.Version,
		"stored":        doc,
		"app":           p.Extension(u, fs),
	}
	if len(o.Unique) > 0 {
		out["unique"] = o.Unique
	}
	if len(o.Warnings) > 0 {
		out["warnings"] = o.Warnings
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// readInput reads a named file, or standard input for "-".
func readInput(file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	}
	return os.ReadFile(file)
}

// runFolder manages the app's folders that policies resolve users' folder values to.
func runFolder(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("folder: want create, list, update or delete")
	}
	cmd, err := newCommand("folder "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var tenant string
	var f roster.Folder
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	switch args[0] {
	case "create", "update":
		cmd.fs.StringVar(&f.Name, "name", "", "the folder's name")
		cmd.fs.StringVar(&f.ExternalID, "external-id", "", "the id the IdP sends for the folder")
	case "list", "delete":
	default:
		return fmt.Errorf("folder: unknown subcommand %q: want create, list, update or delete", args[0])
	}
	if args[0] == "create" {
		cmd.fs.StringVar(&f.ID, "id", "", "the folder's id (default: generated)")
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if tenant == "" {
		return fmt.Errorf("folder %s: --tenant is required", args[0])
	}
	t, err := cmd.store.Tenant(ctx, tenant)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		if f.Name == "" {
			return fmt.Errorf("folder create: --name is required")
		}
		if err := cmd.store.CreateFolder(ctx, t.ID, &f); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", f.ID, f.ExternalID, f.Name)
		return nil
	case "update":
		if len(cmd.args) != 1 {
			return fmt.Errorf("folder update: want one folder ID")
		}
		return updateFolder(ctx, cmd, t.ID, cmd.args[0], f)
	case "delete":
		if len(cmd.args) != 1 {
			return fmt.Errorf("folder delete: want one folder ID")
		}
		return cmd.store.DeleteFolder(ctx, t.ID, cmd.args[0])
	}
	folders, err := cmd.store.Folders(ctx, t.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEXTERNAL ID\tNAME")
	for _, f := range folders {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.ID, f.ExternalID, f.Name)
	}
	return tw.Flush()
}

// updateFolder changes the flags given; the others keep their values.
func updateFolder(ctx context.Context, cmd *command, tenantID, id string, given roster.Folder) error {
	folders, err := cmd.store.Folders(ctx, tenantID)
	if err != nil {
		return err
	}
	var f *roster.Folder
	for _, x := range folders {
		if x.ID == id {
			f = x
		}
	}
	if f == nil {
		return roster.Errorf(roster.ENOTFOUND, "folder update: no folder %q", id)
	}
	set := map[string]bool{}
	cmd.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["name"] {
		f.Name = given.Name
	}
	if set["external-id"] {
		f.ExternalID = given.ExternalID
	}
	return cmd.store.UpdateFolder(ctx, tenantID, f)
}
