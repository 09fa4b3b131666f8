package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// A commandDoc is what the help of one command line says besides its flags.
type commandDoc struct {
	path    string // the command's words: "tenant create"
	args    string // what follows them: positional arguments, then the flags that matter
	summary string // what it does, one sentence
	example string // one command line
}

// exampleID is an id as roster's lists print them, for the examples.
const exampleID = "0193a6f2-7c1e-7b3a-9f4e-2d5c8a1b6e70"

// commandDocs lists every command and subcommand roster takes; a group of
// subcommands ("tenant") comes first, without arguments.
func commandDocs() []commandDoc {
	return []commandDoc{
		{"serve", "[--addr ADDR] [--admin-addr ADDR] [--db DB]",
			`Serve SCIM 2.0, the app API and sign-in; on first start, create tenant "default" and print its first token.`,
			"roster serve --addr 127.0.0.1:8080 --admin-addr 127.0.0.1:8079 --db sqlite:/var/lib/roster/roster.db"},
		{"migrate", "[--db DB]", "Bring the database schema up to date (serve does it too, on start).",
			"roster migrate --db postgres://roster@db.internal:5432/roster"},
		{"doctor", "[the flags and ROSTER_* variables of serve]",
			"Check a deployment with serve's configuration (public URL, secret key, database and migrations, clock skew, admin listener, retention, " +
				"expiring tokens and certificates): one line per check, ok, warn or FAIL with what to change; exit status 1 when a check fails.",
			"roster doctor --db sqlite:/var/lib/roster/roster.db --public-url https://roster.example.com"},
		{"version", "", "Print the module's version, the commit it was built from and that commit's time, and Go's version.",
			"roster version"},

		{"tenant", "", "Manage tenants, one per customer.", "roster tenant create acme --display-name \"Acme Corp\""},
		{"tenant create", "NAME [--display-name TEXT]",
			"Create a tenant; NAME is 2-63 of a-z, 0-9 and single hyphens, starting with a letter (it appears in URLs).",
			"roster tenant create acme --display-name \"Acme Corp\""},
		{"tenant list", "", "List tenants: id, name, created, rate limit, display name.", "roster tenant list"},
		{"tenant get", "NAME", "Show a tenant (name or id): its settings, its users, groups and tokens, its latest Test Connection and requests, and its SCIM traffic over the last day.", "roster tenant get acme"},
		{"tenant update", "NAME [--display-name TEXT] [--rate R] [--burst B] [--directory DIR] [--organization ORG] [--domain D]...",
			"Change a tenant's display name, rate limit, the directory that provisions it (which picks how Roster reads what it sends), the host app's id for it and its email domains; flags left out keep their values.",
			"roster tenant update acme --rate 20 --burst 100 --directory okta --domain acme.com"},
		{"tenant disable", "NAME", "Refuse a tenant's SCIM requests and sign-ins, deleting nothing.", "roster tenant disable acme"},
		{"tenant enable", "NAME", "Serve a disabled tenant again.", "roster tenant enable acme"},
		{"tenant delete", "NAME --confirm NAME", "Delete a tenant and every row of it, for good.", "roster tenant delete acme --confirm acme"},

		{"token", "", "Manage tenants' SCIM secret tokens and OAuth clients.", "roster token create --tenant acme --name entra --expires 90d"},
		{"token create", "--tenant NAME [--name LABEL] [--expires DURATION | --oauth]",
			"Issue a SCIM secret token; it is printed once, alone, on stdout. With --oauth, an OAuth 2.0 client for IdPs that authenticate with client credentials: client_id=… then client_secret=… (shown once) on the last line; the IdP exchanges them at /oauth2/token for access tokens.",
			"roster token create --tenant acme --name okta --oauth"},
		{"token list", "--tenant NAME", "List a tenant's tokens and OAuth clients: id, kind (bearer or oauth), prefix, label, use, expiry, status.", "roster token list --tenant acme"},
		{"token revoke", "ID", "Revoke a token or an OAuth client (its ID from roster token list); running servers refuse it, and a client's access tokens, within a second.",
			"roster token revoke " + exampleID},

		{"setup-link", "", "Make, list and revoke the links a customer's IT admin opens to connect their IdP alone.",
			"roster setup-link create --tenant acme"},
		{"setup-link create", "--tenant NAME [--expires 72h] [--scope scim,sso,log] [--public-url URL]",
			"Print a setup link (shown once, as the last line): it works once, until it expires. The held scope, given only when named, lets the customer release or revert what the deprovisioning guard holds.",
			"roster setup-link create --tenant acme --expires 7d --scope scim,sso"},
		{"setup-link list", "--tenant NAME", "List the tenant's setup links: scopes, who made them, expiry, status.", "roster setup-link list --tenant acme"},
		{"setup-link revoke", "--tenant NAME ID", "Revoke a setup link, ending the session it started.", "roster setup-link revoke --tenant acme " + exampleID},

		{"audit", "[--tenant NAME] [--limit N]", "List operators' actions, newest first.", "roster audit --tenant acme --limit 20"},

		{"operator", "", "Manage the console's accounts.", "roster operator create --email ada@example.com --role admin < password.txt"},
		{"operator create", "--email EMAIL [--role admin|viewer]",
			"Add an operator; the password is the first line of stdin (12 characters or more), never a flag.",
			"roster operator create --email ada@example.com --role admin < password.txt"},
		{"operator list", "", "List operators: email, role, created, last sign-in.", "roster operator list"},
		{"operator remove", "--email EMAIL", "Remove an operator (never the last admin).", "roster operator remove --email ada@example.com"},
		{"operator password", "--email EMAIL", "Set an operator's password, read from the first line of stdin.",
			"roster operator password --email ada@example.com < password.txt"},

		{"apikey", "", "Manage API keys of the app API.", "roster apikey create --tenant acme --name billing"},
		{"apikey create", "[--tenant NAME] [--name LABEL] [--scope read|write]",
			"Issue an API key, printed once, alone, on stdout; without --tenant it reads every tenant.",
			"roster apikey create --tenant acme --name billing"},
		{"apikey list", "", "List API keys: id, prefix, label, tenant, status.", "roster apikey list"},
		{"apikey revoke", "ID", "Revoke an API key (its ID from roster apikey list).", "roster apikey revoke " + exampleID},

		{"policy", "", "Read, set and try out a tenant's provisioning policy.", "roster policy set --tenant acme policy.json"},
		{"policy example", "", "Print a complete provisioning policy to start from.", "roster policy example > policy.json"},
		{"policy get", "--tenant NAME [--version N]", "Print the tenant's policy in force, or version N (its version on stderr).", "roster policy get --tenant acme"},
		{"policy set", "--tenant NAME [--if-version N] [--dry-run] FILE",
			"Validate and store the policy in FILE (- for stdin); running servers apply it within a second.",
			"roster policy set --tenant acme --if-version 3 policy.json"},
		{"policy test", "--tenant NAME USER.json",
			"Show what Roster would store for the SCIM user in USER.json (- for stdin) and its entitlements; writes nothing.",
			"roster policy test --tenant acme ada.json"},
		{"policy history", "--tenant NAME [--limit N] [--before V]", "List the versions of the tenant's policy, newest first: when each was set, and by whom.",
			"roster policy history --tenant acme"},
		{"policy rollback", "--tenant NAME --version N", "Set version N's document again, as the next version; prints what changes.",
			"roster policy rollback --tenant acme --version 3"},

		{"folder", "", "Manage the app's folders that users' folder values name.", "roster folder create --tenant acme --name Sales --external-id sales"},
		{"folder create", "--tenant NAME --name NAME [--external-id X] [--id ID]", "Add a folder; prints its id, external id and name.",
			"roster folder create --tenant acme --name Sales --external-id sales"},
		{"folder list", "--tenant NAME", "List a tenant's folders.", "roster folder list --tenant acme"},
		{"folder update", "--tenant NAME ID [--name NAME] [--external-id X]", "Rename or re-key the folder ID.",
			"roster folder update --tenant acme " + exampleID + " --name \"Sales EMEA\""},
		{"folder delete", "--tenant NAME ID", "Delete the folder ID.", "roster folder delete --tenant acme " + exampleID},

		{"log", "[--tenant NAME] [--since 1h] [--action A] [--status 4xx] [--user ID|externalId|userName] [--request ID] [--format table|json|csv]",
			"Read the provisioning log, newest first (with --user, that resource's timeline, oldest first).",
			"roster log --tenant acme --since 1h --status 4xx"},

		{"webhook", "", "Manage webhook endpoints and their deliveries.", "roster webhook add --url https://app.example.com/hooks/roster --tenant acme"},
		{"webhook add", "--url URL [--tenant NAME] [--types T1,T2] [--from now|start|CURSOR]",
			"Add an endpoint; prints its id, then its signing secret (the last line, shown once).",
			"roster webhook add --url https://app.example.com/hooks/roster --tenant acme --types user.created,user.deleted"},
		{"webhook list", "", "List endpoints with their cursor, how far behind they are and their state.", "roster webhook list"},
		{"webhook remove", "ID", "Remove the endpoint ID.", "roster webhook remove " + exampleID},
		{"webhook test", "ID", "Send a signed webhook.test to the endpoint ID at once.", "roster webhook test " + exampleID},
		{"webhook deliveries", "ID [--limit N]", "Show the endpoint's recent delivery attempts.", "roster webhook deliveries " + exampleID + " --limit 50"},
		{"webhook replay", "ID --from CURSOR", "Deliver the events after CURSOR to the endpoint again.", "roster webhook replay " + exampleID + " --from 0"},
		{"webhook resume", "ID", "Resume a failing endpoint where it stopped.", "roster webhook resume " + exampleID},

		{"client", "", "Manage the host app's OAuth clients of Roster's OpenID Provider.",
			"roster client create --name web --redirect-uri https://app.example.com/callback"},
		{"client create", "--name NAME --redirect-uri URI [--redirect-uri URI2] [--public]",
			"Register an OAuth client: prints client_id=…, then client_secret=… (shown once) unless --public.",
			"roster client create --name web --redirect-uri https://app.example.com/callback"},
		{"client list", "", "List OAuth clients: id, name, type, redirect URIs, status.", "roster client list"},
		{"client revoke", "ID", "Revoke an OAuth client; its access tokens stop working at once.", "roster client revoke " + exampleID},

		{"sso", "", "Manage tenants' sign-in connections and Roster's signing keys.", "roster sso get --tenant acme"},
		{"sso set", "--tenant NAME --type oidc --issuer URL --client-id ID --client-secret SECRET|- | --type saml --metadata FILE|URL",
			"Connect the tenant's IdP for sign-in, through OIDC (a client secret or certificate) or SAML; secrets are stored sealed.",
			"roster sso set --tenant acme --type saml --metadata https://login.microsoftonline.com/DIRECTORY/federationmetadata/2007-06/federationmetadata.xml"},
		{"sso get", "--tenant NAME [--public-url URL]", "Print the values to register at the IdP, then the connection.", "roster sso get --tenant acme"},
		{"sso remove", "--tenant NAME", "Disconnect the tenant's IdP: its people no longer sign in through it; the account links stay.",
			"roster sso remove --tenant acme"},
		{"sso rotate-key", "[--alg ES256|RS256] [--overlap 24h]", "Sign with a new key; the previous ones stay in the JWKS for the overlap.",
			"roster sso rotate-key --alg ES256 --overlap 48h"},

		{"user", "", "List and show users; set how a user signs in; restore or purge a deleted user.", "roster user list --tenant acme --search ada"},
		{"user list", "--tenant NAME [--search TEXT] [--after USERNAME] [--limit N]",
			"List a tenant's live users by userName, a page at a time; --search keeps an exact id or externalId, or userNames and emails that start with TEXT.",
			"roster user list --tenant acme --search ada"},
		{"user get", "--tenant NAME USER",
			"Show a live user (id, userName or externalId): its attributes, state in the app, groups and SCIM document.",
			"roster user get --tenant acme ada@acme.com"},
		{"user login-method", "--tenant NAME USER idp|password|either",
			"Let the user (id or userName) sign in through the IdP, with a password, or either.",
			"roster user login-method --tenant acme ada@acme.com either"},
		{"user set-password", "--tenant NAME USER", "Set the user's built-in password, read from the first line of stdin.",
			"roster user set-password --tenant acme ada@acme.com < password.txt"},
		{"user restore", "--tenant NAME USER",
			"Bring back a deleted user (id, userName or externalId) with its id, attributes and groups; refused while a live user holds its userName or a unique value.",
			"roster user restore --tenant acme ada@acme.com"},
		{"user purge", "--tenant NAME USER",
			"Remove a deleted user (id, userName or externalId) for good, before the restore retention ends (erasure requests).",
			"roster user purge --tenant acme ada@acme.com"},
		{"user import", "--tenant NAME FILE.csv|FILE.ndjson",
			"Create the users the app already had, one a line (CSV with a userName column and any of email, givenName, familyName, displayName, externalId; or a user document a line); the IdP's first write adopts each. Users already present are left alone, so running it again changes nothing; refused lines are printed with why.",
			"roster user import --tenant acme users.csv"},

		{"drift", "--tenant NAME [--after CURSOR] [--limit N]",
			"List the attributes the policy gives the app or takes at create only whose value differs from what the IdP last sent, with both values, a page of users at a time.",
			"roster drift --tenant acme"},

		{"simulate", "--idp entra|okta --tenant NAME [--users 50] [--groups 5] [--seed N] [--url URL]",
			"Drive the running server over SCIM as Entra ID or Okta would (Test Connection, lookups, creates, group pushes, a role and an attribute change, a deactivation and a delete) with generated people, and print each request with the provisioning log's verdict.",
			"roster simulate --idp okta --tenant acme --users 20"},

		{"group", "", "List and show a tenant's groups; restore or purge a deleted group.", "roster group list --tenant acme"},
		{"group list", "--tenant NAME [--search TEXT] [--after ID] [--limit N]",
			"List a tenant's groups by displayName, a page at a time; --search keeps an exact id or externalId, or displayNames that start with TEXT.",
			"roster group list --tenant acme --search eng"},
		{"group get", "--tenant NAME GROUP [--after MEMBER] [--limit N]",
			"Show a group (id, displayName or externalId) and a page of its members.",
			"roster group get --tenant acme Engineering"},
		{"group restore", "--tenant NAME GROUP",
			"Bring back a deleted group (id, displayName or externalId) with its id, attributes, the members that are live and its place in the live groups it belonged to; refused while a live group holds its displayName.",
			"roster group restore --tenant acme Engineering"},
		{"group purge", "--tenant NAME GROUP",
			"Remove a deleted group (id, displayName or externalId) for good, before the restore retention ends.",
			"roster group purge --tenant acme Engineering"},

		{"held", "", "List, release or revert the deactivations and deletes the deprovisioning guard holds.", "roster held list --tenant acme"},
		{"held list", "--tenant NAME",
			"List the tenant's held deactivations and deletes, oldest first: id, when, kind, user, and the event that waits.",
			"roster held list --tenant acme"},
		{"held release", "--tenant NAME --all | ID…",
			"Let held operations take their course: their events reach the host app in the order they were held; a deleted user is then purged after the restore retention.",
			"roster held release --tenant acme --all"},
		{"held revert", "--tenant NAME --all | ID…",
			"Undo held operations, newest first: deleted users come back with their groups, deactivated ones are active again; the app is told user.restored.",
			"roster held revert --tenant acme --all"},
	}
}

// findDoc returns the doc of the command whose words are path.
func findDoc(path string) (commandDoc, bool) {
	for _, d := range commandDocs() {
		if d.path == path {
			return d, true
		}
	}
	return commandDoc{}, false
}

// subcommandDocs returns the docs of group's subcommands, none for a command
// that has none.
func subcommandDocs(group string) []commandDoc {
	var subs []commandDoc
	for _, d := range commandDocs() {
		if strings.HasPrefix(d.path, group+" ") {
			subs = append(subs, d)
		}
	}
	return subs
}

// wantsHelp reports whether the arguments of a known command ask for its
// help: -h, -help or --help before any "--".
func wantsHelp(cmd string, args []string) bool {
	if _, ok := findDoc(cmd); !ok {
		return false
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--h", "--help":
			return true
		}
	}
	return false
}

// printGroupHelp prints the help of cmd when it is a group of subcommands and
// args name none ("roster tenant --help"), and reports whether it did.
func printGroupHelp(w io.Writer, cmd string, args []string) bool {
	subs := subcommandDocs(cmd)
	if len(subs) == 0 || (len(args) > 0 && !strings.HasPrefix(args[0], "-")) {
		return false
	}
	d, _ := findDoc(cmd)
	fmt.Fprintf(w, "Usage: roster %s SUBCOMMAND [ARGUMENTS] [FLAGS]\n\n%s\n\nSubcommands:\n", cmd, d.summary)
	for _, s := range subs {
		fmt.Fprintf(w, "  roster %s\n      %s\n", strings.TrimSpace(s.path+" "+s.args), s.summary)
	}
	fmt.Fprintf(w, "\nExample:\n  %s\n\nRun \"roster %s SUBCOMMAND --help\" for a subcommand's flags.\n", d.example, cmd)
	return true
}

// printHelp prints the help of the command whose flag set is fs: its usage
// line, what it does, its flags and an example.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	d, ok := findDoc(fs.Name())
	if !ok {
		d.path = fs.Name()
	}
	fmt.Fprintf(w, "Usage: roster %s\n", strings.TrimSpace(d.path+" "+d.args))
	if d.summary != "" {
		fmt.Fprintf(w, "\n%s\n", d.summary)
	}
	if hasFlags(fs) {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, fs)
	}
	if d.example != "" {
		fmt.Fprintf(w, "\nExample:\n  %s\n", d.example)
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printFlags prints fs's flags as flag.PrintDefaults does, with the two
// dashes the documentation uses. The database's default, which ROSTER_DB may
// set, is printed without its password.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		def := f.DefValue
		if f.Name == "db" {
			def = redactURL(def)
		}
		switch def {
		case "", "0", "false", "0s":
			fmt.Fprintf(w, "%s\n      %s\n", line, usage)
		default:
			fmt.Fprintf(w, "%s\n      %s (default %s)\n", line, usage, def)
		}
	})
}

// unknownFlag returns the name of the flag args named that fs does not
// define, when that is why fs.Parse(args) failed: Parse stops right after
// the argument it could not take.
func unknownFlag(fs *flag.FlagSet, args []string) (string, bool) {
	taken := len(args) - len(fs.Args())
	if taken < 1 || taken > len(args) {
		return "", false
	}
	a := args[taken-1]
	if !strings.HasPrefix(a, "-") {
		return "", false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	if name == "" || fs.Lookup(name) != nil {
		return "", false
	}
	return name, true
}

// subcommands returns the subcommands of the command group ("" for the
// commands), in the order of commandDocs.
func subcommands(group string) []string {
	var subs []string
	for _, d := range commandDocs() {
		sub, ok := strings.CutPrefix(d.path, group+" ")
		if group == "" {
			sub, ok = d.path, true
		}
		if ok && !strings.Contains(sub, " ") {
			subs = append(subs, sub)
		}
	}
	return subs
}

// unknownSubcommand refuses the subcommand sub of group, listing the ones
// there are and naming the nearest.
func unknownSubcommand(group, sub string) error {
	subs := subcommands(group)
	msg := fmt.Sprintf("%s: unknown subcommand %q: want %s", group, sub, orList(subs))
	if near := nearest(sub, subs); near != "" {
		msg += "; did you mean " + near + "?"
	}
	return errors.New(msg)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// nearest returns the word of words closest to name, within two edits or
// extending it, or "" for none.
func nearest(name string, words []string) string {
	best, bestDist := "", 3
	for _, w := range words {
		d := editDistance(name, w)
		if len(name) >= 3 && strings.HasPrefix(w, name) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = w, d
		}
	}
	return best
}

// nearestFlag returns the flag of fs whose name is closest to name, within
// two edits or extending it, or "" for none.
func nearestFlag(fs *flag.FlagSet, name string) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return nearest(name, names)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
