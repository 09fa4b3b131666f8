package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/policy"
)

// runPolicy reads, sets, tries out and rolls back a tenant's provisioning policy.
func runPolicy(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const want = "want example, get, set, test, history or rollback"
	if len(args) == 0 {
		return fmt.Errorf("policy: %s", want)
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
	var (
		tenant          string
		ifVersion       int64
		dryRun          bool
		version, before int64
		limit           int
	)
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	switch args[0] {
	case "get":
		cmd.fs.Int64Var(&version, "version", 0, "print this version instead of the policy in force")
	case "test":
	case "set":
		cmd.fs.Int64Var(&ifVersion, "if-version", 0, "set only if the current policy has this version (0: whatever it is)")
		cmd.fs.BoolVar(&dryRun, "dry-run", false, "say what the policy does to existing users, and store nothing")
	case "history":
		cmd.fs.Int64Var(&before, "before", 0, "list the versions older than this one (0: from the newest)")
		cmd.fs.IntVar(&limit, "limit", admin.DefaultPolicyVersions, fmt.Sprintf("at most this many versions (up to %d)", admin.MaxPolicyVersions))
	case "rollback":
		cmd.fs.Int64Var(&version, "version", 0, "the version to set again (required)")
	default:
		return unknownSubcommand("policy", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if tenant == "" {
		return fmt.Errorf("policy %s: --tenant is required", args[0])
	}
	ctx = admin.WithActor(ctx, cliActor())
	switch args[0] {
	case "get":
		if version != 0 {
			return getPolicyVersion(ctx, cmd.admin, tenant, version, stdout, stderr)
		}
		return getPolicy(ctx, cmd.admin, tenant, stdout, stderr)
	case "set":
		if len(cmd.args) != 1 {
			return fmt.Errorf("policy set: want one FILE (- for standard input)")
		}
		return setPolicy(ctx, cmd.admin, tenant, cmd.args[0], admin.PolicySet{IfVersion: ifVersion, DryRun: dryRun}, stdout)
	case "history":
		return policyHistory(ctx, cmd.admin, tenant, before, limit, stdout, stderr)
	case "rollback":
		if version == 0 {
			return fmt.Errorf("policy rollback: --version is required")
		}
		return rollbackPolicy(ctx, cmd.admin, tenant, version, stdout)
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("policy test: want one USER.json (- for standard input)")
	}
	return testPolicy(ctx, cmd.admin, tenant, cmd.args[0], stdout)
}

// policyTime is how the policy commands print times.
const policyTime = "2006-01-02 15:04:05 MST"

func getPolicy(ctx context.Context, svc *admin.Service, tenant string, stdout, stderr io.Writer) error {
	tp, err := svc.Policy(ctx, tenant)
	if err != nil {
		return err
	}
	t, sp := tp.Tenant, tp.Policy
	if sp.Version == 0 {
		fmt.Fprintf(stderr, "roster: tenant %q has no policy; this is the default\n", t.Name)
		_, err := stdout.Write(sp.Doc)
		return err
	}
	fmt.Fprintf(stderr, "roster: tenant %q policy version %d, set %s\n", t.Name, sp.Version, sp.Updated.UTC().Format(policyTime))
	printRecompute(tp.Recompute, stderr)
	return printPolicyDoc(stdout, sp.Doc)
}

// getPolicyVersion prints one version of the tenant's policy.
func getPolicyVersion(ctx context.Context, svc *admin.Service, tenant string, version int64, stdout, stderr io.Writer) error {
	t, sp, err := svc.PolicyVersion(ctx, tenant, version)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: tenant %q policy version %d, set %s by %s\n", t.Name, sp.Version, sp.Updated.UTC().Format(policyTime), orDash(sp.SetBy))
	return printPolicyDoc(stdout, sp.Doc)
}

// printPolicyDoc writes a stored policy document indented.
func printPolicyDoc(w io.Writer, doc []byte) error {
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return fmt.Errorf("policy get: stored policy: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// printRecompute says how far the recomputation of the tenant's users under
// its policy got; nothing when none was started.
func printRecompute(r *roster.Recompute, w io.Writer) {
	if r == nil {
		return
	}
	if r.Finished.IsZero() {
		fmt.Fprintf(w, "roster: recompute of policy version %d: %d of %d users, started %s\n", r.Version, r.Done, r.Total, r.Started.UTC().Format(policyTime))
		return
	}
	fmt.Fprintf(w, "roster: recompute of policy version %d: done at %s, %d users, %d changed (took %s)\n",
		r.Version, r.Finished.UTC().Format(policyTime), r.Done, r.Changed, r.Finished.Sub(r.Started).Round(time.Millisecond))
}

// setPolicy stores the policy in file, or with opts.DryRun only says what it
// would do to the tenant's existing users.
func setPolicy(ctx context.Context, svc *admin.Service, tenant, file string, opts admin.PolicySet, stdout io.Writer) error {
	b, err := readInput(file)
	if err != nil {
		return err
	}
	ch, err := svc.SetPolicy(ctx, tenant, b, opts)
	switch roster.ErrorCode(err) {
	case "":
	case roster.ENOTFOUND:
		return err
	case roster.EINVALID: // the document: name its file
		return fmt.Errorf("policy set: %s: %w", file, err)
	default:
		return fmt.Errorf("policy set: %w", err)
	}
	if opts.DryRun {
		fmt.Fprintf(stdout, "tenant %s: dry run, nothing stored\n", ch.Tenant.Name)
		printImpact(stdout, ch.Impact)
		return nil
	}
	fmt.Fprintf(stdout, "tenant %s: policy version %d (running servers apply it within a second, and recompute existing users)\n", ch.Tenant.Name, ch.Version)
	printImpact(stdout, ch.Impact)
	return nil
}

// rollbackPolicy sets an earlier version of the tenant's policy again, and
// prints how it differs from the policy it replaces.
func rollbackPolicy(ctx context.Context, svc *admin.Service, tenant string, version int64, stdout io.Writer) error {
	ch, err := svc.RollbackPolicy(ctx, tenant, version)
	if err != nil {
		return fmt.Errorf("policy rollback: %w", err)
	}
	fmt.Fprintf(stdout, "tenant %s: policy version %d is version %d again (running servers apply it within a second, and recompute existing users)\n",
		ch.Tenant.Name, ch.Version, version)
	diff, err := admin.PolicyDiff(ch.Before.Doc, ch.Doc)
	if err != nil {
		return fmt.Errorf("policy rollback: %w", err)
	}
	if diff == "" {
		fmt.Fprintf(stdout, "the rules are those of version %d already\n", ch.Before.Version)
	} else {
		fmt.Fprintf(stdout, "--- version %d\n+++ version %d\n%s", ch.Before.Version, ch.Version, diff)
	}
	printImpact(stdout, ch.Impact)
	return nil
}

// policyHistory lists the versions of the tenant's policy, newest first.
func policyHistory(ctx context.Context, svc *admin.Service, tenant string, before int64, limit int, stdout, stderr io.Writer) error {
	t, ps, err := svc.PolicyVersions(ctx, tenant, before, limit)
	if err != nil {
		return err
	}
	if len(ps) == 0 && before == 0 {
		fmt.Fprintf(stderr, "roster: tenant %q has no policy; the default applies\n", t.Name)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSET\tBY\tBYTES")
	for _, p := range ps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\n", p.Version, p.Updated.UTC().Format(policyTime), orDash(p.SetBy), len(p.Doc))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(ps); n > 0 && n == cmp.Or(limit, admin.DefaultPolicyVersions) && ps[n-1].Version > 1 {
		fmt.Fprintf(stderr, "roster: older versions: roster policy history --tenant %s --before %d\n", t.Name, ps[n-1].Version)
	}
	return nil
}

// printImpact writes what a policy does to existing users.
func printImpact(w io.Writer, im *policy.Impact) {
	fmt.Fprintf(w, "existing users: %d; entitlements change for %d (%d lose access to the app); %d would fail a check if sent again\n",
		im.Users, im.Changed, im.Deactivated, im.Failing)
	for _, n := range im.ChangedExamples {
		fmt.Fprintf(w, "  changes: %s: %s\n", n.UserName, n.Note)
	}
	for _, n := range im.FailingExamples {
		fmt.Fprintf(w, "  fails:   %s: %s\n", n.UserName, n.Note)
	}
}

// testPolicy shows what Roster would store for a user document and which
// entitlements result, writing nothing.
func testPolicy(ctx context.Context, svc *admin.Service, tenant, file string, stdout io.Writer) error {
	b, err := readInput(file)
	if err != nil {
		return err
	}
	var in map[string]any
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("policy test: %s: not a JSON object: %w", file, err)
	}
	tr, err := svc.TryPolicy(ctx, tenant, in)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return err
	}
	if err != nil {
		return fmt.Errorf("policy test: %w", err)
	}
	out := map[string]any{
		"policyVersion": tr.Version,
		"stored":        tr.Stored,
		"app":           tr.App,
	}
	if len(tr.Unique) > 0 {
		out["unique"] = tr.Unique
	}
	if len(tr.Warnings) > 0 {
		out["warnings"] = tr.Warnings
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
		return unknownSubcommand("folder", args[0])
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
	ctx = admin.WithActor(ctx, cliActor())
	switch args[0] {
	case "create":
		if f.Name == "" {
			return fmt.Errorf("folder create: --name is required")
		}
		created, err := cmd.admin.CreateFolder(ctx, tenant, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", created.ID, created.ExternalID, created.Name)
		return nil
	case "update":
		if len(cmd.args) != 1 {
			return fmt.Errorf("folder update: want one folder ID")
		}
		var u admin.FolderUpdate
		cmd.fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "name":
				u.Name = &f.Name
			case "external-id":
				u.ExternalID = &f.ExternalID
			}
		})
		_, err := cmd.admin.UpdateFolder(ctx, tenant, cmd.args[0], u)
		return err
	case "delete":
		if len(cmd.args) != 1 {
			return fmt.Errorf("folder delete: want one folder ID")
		}
		return cmd.admin.DeleteFolder(ctx, tenant, cmd.args[0])
	}
	_, folders, err := cmd.admin.Folders(ctx, tenant)
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
