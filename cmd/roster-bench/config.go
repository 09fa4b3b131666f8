package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// benchConfig is what roster-bench is configured with.
type benchConfig struct {
	Base     string        // SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2
	Auth     string        // the Authorization header value
	Workers  int           // concurrent requests per phase
	Users    int           // users created (more when Members is larger)
	Members  int           // users added to the group
	Batch    int           // members per PATCH Add
	Cap      time.Duration // longest time one phase may run
	JSONPath string        // where to write the results as JSON, if set
	Ceiling  bool          // also measure each phase against a trivial handler
	// CeilingRequests is the fewest requests a ceiling phase sends: at 40,000
	// req/s, the 1,000 of a phase would take 25 ms, too short to measure.
	CeilingRequests int
	Tokens          []string // one token per tenant for the mixed phase (--tokens)
}

const benchUsage = `Usage: roster-bench --base URL (--token T | --basic USER:PASS) [--ceiling] [flags]
       roster-bench --ceiling [-c N] [--users N]

Replays Microsoft Entra ID's provisioning traffic against a running Roster and
prints requests, errors by status, req/s and latency percentiles per phase.
It creates, then deactivates and deletes, its own users and one group; names
carry a run id, so runs against the same server do not collide.

With --tokens FILE (one secret token per line, each of a different tenant) it
also runs the mixed phase: Entra's first cycle over many tenants at once, a
userName lookup then a create per user, the users spread over the tenants.

With --ceiling it also sends each phase's requests, with the same client and
concurrency, to a trivial handler in this process on 127.0.0.1 that answers
with a body of the phase's mean response size: the most this machine gives this
client. Each phase then shows its req/s as a percentage of that ceiling.
Without --base, it measures only the ceiling, with typical sizes of Roster's
requests and responses.

`

// parseBenchFlags reads the bench command line.
func parseBenchFlags(args []string, getenv func(string) string, stderr io.Writer) (benchConfig, error) {
	c := benchConfig{Workers: 8, Users: 1000, Members: 1000, Batch: 100, Cap: 2 * time.Minute, CeilingRequests: 20000}
	var token, basic string
	fs := flag.NewFlagSet("roster-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	fs.StringVar(&c.Base, "base", "", "SCIM base URL of the server under test, e.g. http://127.0.0.1:8080/scim/v2")
	fs.StringVar(&token, "token", getenv("ROSTER_TOKEN"), "secret token, sent as Bearer (env ROSTER_TOKEN)")
	fs.StringVar(&basic, "basic", "", "USER:PASS sent as HTTP Basic instead of --token (user: the tenant name)")
	fs.IntVar(&c.Workers, "c", c.Workers, "concurrent requests per phase")
	fs.IntVar(&c.Users, "users", c.Users, "users to create, read, filter, patch, deactivate and delete")
	fs.IntVar(&c.Members, "members", c.Members, "users to add to the group (extra users are created if more than --users)")
	fs.IntVar(&c.Batch, "batch", c.Batch, "members per PATCH Add request")
	fs.DurationVar(&c.Cap, "duration-cap", c.Cap, "stop a phase early after this long")
	fs.StringVar(&c.JSONPath, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&c.Ceiling, "ceiling", false, "also measure each phase against a trivial in-process handler (alone: without --base)")
	fs.IntVar(&c.CeilingRequests, "ceiling-requests", c.CeilingRequests, "the fewest requests each phase of the ceiling sends")
	tokens := fs.String("tokens", "", "file of secret tokens, one per line, each of a different tenant: adds the mixed phase")
	pos, err := parse(fs, args)
	if err != nil {
		return c, err
	}
	if len(pos) > 0 {
		return c, usageFail(fs, "unexpected argument %q", pos[0])
	}
	if c.Workers < 1 || c.Users < 1 || c.Members < 0 || c.Batch < 1 || c.Cap <= 0 || c.CeilingRequests < 1 {
		return c, usageFail(fs, "-c, --users, --batch and --ceiling-requests must be positive, --members not negative, --duration-cap positive")
	}
	if *tokens != "" {
		if c.Tokens, err = readTokens(*tokens); err != nil {
			return c, usageFail(fs, "%w", err)
		}
	}
	if c.Ceiling && c.Base == "" {
		return c, nil // the ceiling alone needs no server
	}
	u, err := url.Parse(c.Base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, usageFail(fs, "--base %q: want the server's SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2", c.Base)
	}
	c.Base = strings.TrimSuffix(c.Base, "/")
	if c.Auth, err = authorization(token, basic); err != nil {
		return c, usageFail(fs, "%w", err)
	}
	return c, nil
}

// authorization returns the Authorization header for a bearer token or, when
// basic is set, for HTTP Basic with basic's USER:PASS.
func authorization(token, basic string) (string, error) {
	switch {
	case basic != "":
		user, pass, ok := strings.Cut(basic, ":")
		if !ok {
			return "", errors.New("--basic: want USER:PASS")
		}
		req := http.Request{Header: http.Header{}}
		req.SetBasicAuth(user, pass)
		return req.Header.Get("Authorization"), nil
	case token != "":
		return "Bearer " + token, nil
	}
	return "", errors.New("no credential: pass --token (or env ROSTER_TOKEN) or --basic")
}

// usageFail prints a flag problem with the command's flags and returns it as a usageError.
func usageFail(fs *flag.FlagSet, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(fs.Output(), "roster-bench: %v\n\n", err)
	fs.Usage()
	return usageError{err}
}

// parse parses args allowing flags and positional arguments in any order, and
// returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
