// Command roster runs Roster, the SCIM 2.0 provisioning service that Microsoft
// Entra ID and other IdPs provision people and groups into, and manages its
// tenants and tokens.
//
// Usage:
//
//	roster serve [--addr 127.0.0.1:8080] [--db sqlite:roster.db]
//	roster migrate
//	roster doctor [the flags of serve]
//	roster version
//	roster tenant create NAME [--display-name T] | tenant list | tenant update NAME [--rate R] [--burst B]
//	roster tenant disable NAME | enable NAME | delete NAME --confirm NAME
//	roster audit [--tenant NAME] [--limit N]
//	roster operator create --email E [--role admin|viewer] | list | remove --email E | password --email E
//	roster token create --tenant NAME [--name LABEL] [--expires 90d]
//	roster token list --tenant NAME | token revoke ID
//	roster setup-link create --tenant NAME [--expires 72h] [--scope scim,sso,log] | list | revoke
//	roster policy example | get --tenant NAME | set --tenant NAME FILE | test --tenant NAME USER.json
//	roster policy history --tenant NAME | rollback --tenant NAME --version N
//	roster folder create --tenant NAME --name N [--external-id X] | list | update | delete
//	roster client create --name N --redirect-uri URI [--public] | client list | client revoke ID
//	roster sso set --tenant NAME --type oidc|saml … | sso get --tenant NAME | sso remove --tenant NAME | sso rotate-key
//	roster client create|list|revoke | user list|get|login-method|set-password|restore|purge
//	roster group list|get | simulate --idp entra|okta --tenant NAME
//	roster held list|release|revert --tenant NAME [--all | ID…]
//
// The commands that open the database take --db (env ROSTER_DB); they work
// while the server runs. Every command and subcommand takes --help.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rosterhq/roster/admin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	var failed checksFailed
	if errors.As(err, &failed) { // roster doctor printed why
		fmt.Fprintln(os.Stderr, "roster doctor:", err)
		os.Exit(1)
	}
	if err != nil {
		var u usageError
		if !errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "roster:", err)
		}
		os.Exit(2)
	}
}

// usageError is an error whose message has already been printed with the usage.
type usageError struct{ error }

const usage = `Roster: SCIM 2.0 provisioning for SaaS applications.

Usage:
  roster serve   [--addr ADDR] [--admin-addr ADDR] [--db DB]
                                            serve SCIM (creates tenant "default" and a token on first start)
  roster migrate [--db DB]                  bring the database schema up to date
  roster doctor  [the flags of serve]       check a deployment and say what to change (exit status 1 when a check fails)
  roster version                            print the version, the commit it was built from and Go's version
  roster tenant create NAME [--display-name TEXT]
                                            create a tenant (NAME: 2-63 of a-z, 0-9 and single hyphens, starting with a letter)
  roster tenant list                        list tenants
  roster tenant get NAME                    show a tenant: settings, users, groups, tokens, latest requests
  roster tenant disable NAME | enable NAME  refuse a tenant's SCIM requests and sign-ins, deleting nothing; or undo it
  roster tenant delete NAME --confirm NAME  delete a tenant and every row of it, for good
  roster audit [--tenant NAME] [--limit N]  list operator actions, newest first
  roster operator create --email E [--role admin|viewer]
                                            add an account of the console (default role viewer); the password is read
                                            from stdin (one line, 12+ characters; never from the command line)
  roster operator list                      list operators: email, role, created, last sign-in
  roster operator remove --email E          remove an operator (never the last admin)
  roster operator password --email E        set an operator's password, read from stdin
  roster tenant update NAME [--display-name TEXT] [--rate R] [--burst B] [--organization ORG] [--domain D]...
                                            set a tenant's rate limit (running servers apply it within a second),
                                            the host app's id for it and its email domains (sign-in's tenant selectors)
  roster token create --tenant NAME [--name LABEL] [--expires DURATION]
                                            issue a SCIM secret token (printed once, alone, on stdout)
  roster token list --tenant NAME           list a tenant's tokens
  roster setup-link create --tenant NAME [--expires 72h] [--scope scim,sso,log]
                                            a link the customer's IT admin opens to connect their IdP alone;
                                            printed once, as the last line; it works once
  roster setup-link list --tenant NAME | revoke --tenant NAME ID
                                            list a tenant's setup links, or revoke one (ending its session)
  roster token revoke ID                    revoke a token
  roster policy example                     print a complete provisioning policy (see docs/policy.md)
  roster policy get --tenant NAME [--version N]
                                            print the tenant's policy, or an earlier version (version on stderr)
  roster policy set --tenant NAME [--if-version N] FILE
                                            validate and store a policy (running servers apply it within a second)
  roster policy test --tenant NAME USER.json
                                            show what Roster would store for a user and its entitlements; writes nothing
  roster policy history --tenant NAME [--limit N] [--before V]
                                            list the versions of the tenant's policy, newest first: when, by whom
  roster policy rollback --tenant NAME --version N
                                            set an earlier version again, as the next one; prints what changes
  roster folder create --tenant NAME --name N [--external-id X] [--id ID]
  roster folder list --tenant NAME | update --tenant NAME ID [--name N] [--external-id X] | delete --tenant NAME ID
                                            manage the app's folders that users' folder values name
  roster log [--tenant NAME] [--since 1h] [--action A] [--status 4xx] [--user ID|externalId|userName]
             [--request ID] [--format table|json|csv] [--pruner-status]
                                            read the provisioning log (newest first; --user: a timeline)
  roster apikey create [--tenant NAME] [--name LABEL]
                                            issue an API key for the app API (printed once, alone, on stdout)
  roster apikey list | revoke ID            list or revoke API keys
  roster webhook add --url URL [--tenant NAME] [--types T1,T2] [--from now|start|CURSOR]
                                            add an endpoint; prints its id, then its signing secret (last line)
  roster webhook list | remove ID | test ID | deliveries ID | replay ID --from CURSOR | resume ID
  roster client create --name N --redirect-uri URI [--redirect-uri URI2] [--public]
                                            register an OAuth client of the host app: client_id=…, then client_secret=… (shown once)
  roster client list | revoke ID            list or revoke OAuth clients
  roster sso set --tenant NAME --type oidc --issuer URL --client-id ID --client-secret SECRET|-
                                            connect the tenant's IdP for sign-in (the secret is stored encrypted)
  roster sso set --tenant NAME --type oidc --issuer URL --client-id ID --client-certificate generate|FILE [--client-key FILE]
                                            the same with a certificate instead of a secret (sso get prints it for the IdP)
  roster sso set --tenant NAME --type saml --metadata FILE|URL [--idp-initiated]
                                            connect the tenant's IdP through SAML (signed assertions, NameID = userName)
  roster sso get --tenant NAME              print the values to register at the IdP (redirect URI, SAML entity id,
                                            ACS and metadata URLs, the client certificate), and the connection
  roster sso remove --tenant NAME           disconnect the tenant's IdP: its people no longer sign in through it
  roster sso rotate-key [--alg ES256|RS256] [--overlap 24h]
                                            sign with a new key; the previous ones stay in the JWKS for the overlap
  roster user list --tenant NAME [--search TEXT] [--after USERNAME] [--limit N]
                                            list a tenant's users a page at a time, searched as the console searches
  roster user get --tenant NAME USER        show a user (id, userName or externalId): attributes, groups, document
  roster group list --tenant NAME [--search TEXT] [--after ID] [--limit N]
                                            list a tenant's groups a page at a time
  roster group get --tenant NAME GROUP [--after MEMBER] [--limit N]
                                            show a group (id, displayName or externalId) and a page of its members
  roster simulate --idp entra|okta --tenant NAME [--users 50] [--groups 5]
                                            drive the running server as Entra ID or Okta would, with generated people,
                                            and print each request with the provisioning log's verdict
  roster user login-method --tenant NAME USER idp|password|either
                                            how the user (id or userName) may sign in: through the IdP, with a password, or either
  roster user set-password --tenant NAME USER
                                            set the user's built-in password, read from stdin (never from the command line)
  roster user restore --tenant NAME USER    bring back a deleted user (id, userName or externalId) with its groups
  roster user purge --tenant NAME USER      remove a deleted user for good (erasure requests)
  roster held list --tenant NAME            the deactivations and deletes the deprovisioning guard holds
  roster held release|revert --tenant NAME --all | ID…
                                            let held changes reach the app, or undo them (users restored)

The commands that open the database take --db (env ROSTER_DB, default sqlite:roster.db).
Run "roster COMMAND --help" or "roster COMMAND SUBCOMMAND --help" for its arguments, flags and an example.
`

// run executes the command line args with the environment getenv and writes to
// stdout and stderr. It returns when the command is done or ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command")}
	}
	cmd, rest := args[0], args[1:]
	if cmd == "help" && len(rest) > 0 { // roster help COMMAND [SUBCOMMAND]
		cmd, rest = rest[0], append(rest[1:], "--help")
	}
	if wantsHelp(cmd, rest) {
		if printGroupHelp(stdout, cmd, rest) {
			return nil
		}
		// The command's flag set prints its help where it prints flag errors:
		// asked for, help is the output.
		stderr = stdout
		defer func() {
			if errors.Is(err, errHelp) {
				err = nil
			}
		}()
	}
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "doctor":
		return runDoctor(ctx, rest, getenv, stdout, stderr)
	case "tenant":
		return runTenant(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "setup-link":
		return runSetupLink(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "token":
		return runToken(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "operator":
		return runOperator(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, getenv, stdout, stderr)
	case "apikey":
		return runAPIKey(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "policy":
		return runPolicy(ctx, rest, getenv, stdout, stderr)
	case "folder":
		return runFolder(ctx, rest, getenv, stdout, stderr)
	case "log":
		return runLog(ctx, rest, getenv, stdout, stderr)
	case "webhook":
		return runWebhook(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "client":
		return runClient(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "sso":
		return runSSO(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "simulate":
		return runSimulate(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "group":
		return runGroup(ctx, rest, getenv, stdout, stderr)
	case "user":
		return runUser(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "drift":
		return runDrift(ctx, rest, getenv, stdout, stderr)
	case "held":
		return runHeld(admin.WithActor(ctx, cliActor()), rest, getenv, stdout, stderr)
	case "version", "--version":
		return runVersion(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if near := nearest(cmd, subcommands("")); near != "" {
		fmt.Fprintf(stderr, "roster: unknown command %q; did you mean %s?\n", cmd, near)
		return usageError{fmt.Errorf("unknown command %q", cmd)}
	}
	fmt.Fprintf(stderr, "roster: unknown command %q\n\n%s", cmd, usage)
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}
