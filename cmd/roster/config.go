package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

// Config is everything the commands are configured with: defaults, then ROSTER_*
// environment variables, then flags.
type Config struct {
	Addr         string // ROSTER_ADDR
	AdminAddr    string // ROSTER_ADMIN_ADDR: metrics, health and pprof; "" or "off": none; port 8079 by default (docs/install.md, Ports)
	DB           string // ROSTER_DB: "sqlite:PATH" or "postgres://…"
	LogLevel     string // ROSTER_LOG_LEVEL: debug, info, warn, error
	LogFormat    string // ROSTER_LOG_FORMAT: text or json
	MaxBodyBytes int64  // ROSTER_MAX_BODY_BYTES
	// BulkMaxOperations and BulkMaxPayload bound a SCIM Bulk request: its
	// operations and its body in bytes (ROSTER_BULK_MAX_OPERATIONS, default
	// 1000; ROSTER_BULK_MAX_PAYLOAD, default 1 MiB).
	BulkMaxOperations int
	BulkMaxPayload    int64
	PublicURL         string        // ROSTER_PUBLIC_URL: the URL IdPs reach Roster at
	DrainDelay        time.Duration // ROSTER_DRAIN_DELAY: readiness fails this long before the listener closes
	WriteTimeout      time.Duration // ROSTER_WRITE_TIMEOUT: how long a response may take to write; a long poll's runs from the end of its wait
	RateLimit         float64       // ROSTER_RATE_LIMIT: a tenant's default requests per second; 0: unlimited
	RateBurst         int           // ROSTER_RATE_BURST: a tenant's default burst
	MaxInflight       int           // ROSTER_MAX_INFLIGHT: requests doing store work at once; 0: no cap
	// PasswordHashes caps the password hashes computed at once, 19 MiB each
	// (ROSTER_PASSWORD_HASHES; 0: twice the CPUs Go uses).
	PasswordHashes int
	TrustProxy     bool // ROSTER_TRUST_PROXY: take client addresses from X-Forwarded-For
	Pprof          bool // ROSTER_PPROF: serve /debug/pprof on the admin listener (default off)
	// EventRetention is how long events are kept (ROSTER_EVENT_RETENTION, default 30d).
	EventRetention time.Duration
	// WebhookMinBackoff is the first wait before a failed delivery is retried
	// (ROSTER_WEBHOOK_MIN_BACKOFF, default 5s); it doubles up to an hour.
	WebhookMinBackoff time.Duration
	// WebhookLease is how long an instance holds an endpoint without renewing
	// it (ROSTER_WEBHOOK_LEASE, default 30s): after a crash, the endpoints of the
	// dead instance wait this long before another instance (or the restarted one) takes them.
	WebhookLease time.Duration
	// ProvisioningLog turns the provisioning log on (ROSTER_PROVISIONING_LOG, default true).
	ProvisioningLog bool
	// LogRetention is how long provisioning log rows are kept (ROSTER_LOG_RETENTION, default 30d).
	LogRetention time.Duration
	// RestoreRetention is how long a deleted or retired user, or a deleted
	// group, stays restorable before its purger removes it for good
	// (ROSTER_RESTORE_RETENTION, default 30d).
	RestoreRetention time.Duration
	// SecretKey is the base64 of the 32-byte key that seals sign-in secrets at
	// rest (ROSTER_SECRET_KEY; never printed). Unset on SQLite: a key file
	// beside the database, created on first need.
	SecretKey string
	// PolicyRefresh is how long a server uses a tenant's policy and folders
	// before asking the database whether they changed (ROSTER_POLICY_REFRESH,
	// default 1s; 0: on every request).
	PolicyRefresh time.Duration
	// TokenCache is how long a server trusts a token it has checked before
	// reading it again: a revoked token stops working within it
	// (ROSTER_TOKEN_CACHE, default 1s; 0: read on every request).
	TokenCache time.Duration
	// OAuthTokenTTL is how long an access token of a SCIM OAuth client
	// lives (ROSTER_OAUTH_TOKEN_TTL, default 1h).
	OAuthTokenTTL time.Duration
	// GCPercent is the garbage collector's GOGC for serve (ROSTER_GC_PERCENT,
	// default 400; 0: the runtime's own, GOGC or 100). Roster's live Go heap
	// is a few MB (SQLite's pages live outside it), so Go's default ran the
	// collector 30 to 40 times a second under load.
	GCPercent int
	// MemoryLimitMB is the garbage collector's soft limit on the memory the Go
	// runtime holds, in MiB (ROSTER_MEMORY_LIMIT_MB, default 64; 0: none, or
	// GOMEMLIMIT). With GCPercent at 400 the heap may grow to five times what
	// is live; the limit makes the collector run sooner when that would pass
	// it, so that a burst of large responses does not raise the process's
	// memory by as much. SQLite's page caches are outside it.
	MemoryLimitMB int
}

// defaultConfig returns the defaults overridden by the environment.
func defaultConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Addr: "127.0.0.1:8080", AdminAddr: "127.0.0.1:8079", DB: "sqlite:roster.db",
		LogLevel: "info", LogFormat: "text", MaxBodyBytes: 1 << 20, BulkMaxOperations: 1000, BulkMaxPayload: 1 << 20,
		DrainDelay: 5 * time.Second, WriteTimeout: 60 * time.Second, RateLimit: 100, RateBurst: 500, MaxInflight: 64,
		EventRetention: 30 * 24 * time.Hour, WebhookMinBackoff: 5 * time.Second, WebhookLease: 30 * time.Second,
		ProvisioningLog: true, LogRetention: 30 * 24 * time.Hour, PolicyRefresh: time.Second,
		TokenCache: time.Second, GCPercent: 400, RestoreRetention: 30 * 24 * time.Hour,
		OAuthTokenTTL: time.Hour,
	}
	if getenv("GOGC") != "" {
		c.GCPercent = 0 // the runtime already follows it
	}
	c.MemoryLimitMB = 64
	if getenv("GOMEMLIMIT") != "" {
		c.MemoryLimitMB = 0
	}
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("ROSTER_ADDR", &c.Addr)
	str("ROSTER_ADMIN_ADDR", &c.AdminAddr)
	str("ROSTER_DB", &c.DB)
	str("ROSTER_LOG_LEVEL", &c.LogLevel)
	str("ROSTER_LOG_FORMAT", &c.LogFormat)
	str("ROSTER_PUBLIC_URL", &c.PublicURL)
	str("ROSTER_SECRET_KEY", &c.SecretKey)
	var errs []error
	num := func(name string, parse func(string) error) {
		if v := getenv(name); v != "" {
			if err := parse(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	}
	num("ROSTER_MAX_BODY_BYTES", func(v string) (err error) { c.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64); return })
	num("ROSTER_BULK_MAX_OPERATIONS", func(v string) (err error) { c.BulkMaxOperations, err = strconv.Atoi(v); return })
	num("ROSTER_BULK_MAX_PAYLOAD", func(v string) (err error) { c.BulkMaxPayload, err = strconv.ParseInt(v, 10, 64); return })
	num("ROSTER_DRAIN_DELAY", func(v string) (err error) { c.DrainDelay, err = time.ParseDuration(v); return })
	num("ROSTER_WRITE_TIMEOUT", func(v string) (err error) { c.WriteTimeout, err = time.ParseDuration(v); return })
	num("ROSTER_RATE_LIMIT", func(v string) (err error) { c.RateLimit, err = strconv.ParseFloat(v, 64); return })
	num("ROSTER_RATE_BURST", func(v string) (err error) { c.RateBurst, err = strconv.Atoi(v); return })
	num("ROSTER_MAX_INFLIGHT", func(v string) (err error) { c.MaxInflight, err = strconv.Atoi(v); return })
	num("ROSTER_PASSWORD_HASHES", func(v string) (err error) { c.PasswordHashes, err = strconv.Atoi(v); return })
	num("ROSTER_TRUST_PROXY", func(v string) (err error) { c.TrustProxy, err = strconv.ParseBool(v); return })
	num("ROSTER_PPROF", func(v string) (err error) { c.Pprof, err = strconv.ParseBool(v); return })
	num("ROSTER_EVENT_RETENTION", func(v string) (err error) { c.EventRetention, err = parseDuration(v); return })
	num("ROSTER_WEBHOOK_MIN_BACKOFF", func(v string) (err error) { c.WebhookMinBackoff, err = parseDuration(v); return })
	num("ROSTER_WEBHOOK_LEASE", func(v string) (err error) { c.WebhookLease, err = parseDuration(v); return })
	num("ROSTER_PROVISIONING_LOG", func(v string) (err error) { c.ProvisioningLog, err = strconv.ParseBool(v); return })
	num("ROSTER_POLICY_REFRESH", func(v string) (err error) {
		if c.PolicyRefresh, err = time.ParseDuration(v); err == nil && c.PolicyRefresh < 0 {
			err = errors.New("must not be negative")
		}
		return
	})
	num("ROSTER_TOKEN_CACHE", func(v string) (err error) {
		if c.TokenCache, err = time.ParseDuration(v); err == nil && c.TokenCache < 0 {
			err = errors.New("must not be negative")
		}
		return
	})
	num("ROSTER_OAUTH_TOKEN_TTL", func(v string) (err error) { c.OAuthTokenTTL, err = parseDuration(v); return })
	num("ROSTER_GC_PERCENT", func(v string) (err error) { c.GCPercent, err = strconv.Atoi(v); return })
	num("ROSTER_MEMORY_LIMIT_MB", func(v string) (err error) { c.MemoryLimitMB, err = strconv.Atoi(v); return })
	num("ROSTER_LOG_RETENTION", func(v string) (err error) { c.LogRetention, err = parseDuration(v); return })
	num("ROSTER_RESTORE_RETENTION", func(v string) (err error) { c.RestoreRetention, err = parseDuration(v); return })
	return c, errors.Join(errs...)
}

// validate checks the configuration once, before anything starts.
func (c Config) validate() error {
	if _, _, err := storeKind(c.DB); err != nil {
		return err
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("max body bytes must be positive")
	}
	if c.BulkMaxOperations <= 0 || c.BulkMaxPayload <= 0 {
		return fmt.Errorf("bulk max operations and bulk max payload must be positive")
	}
	if c.DrainDelay < 0 {
		return fmt.Errorf("drain delay must not be negative")
	}
	if c.WriteTimeout <= 0 {
		return fmt.Errorf("write timeout must be positive")
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		return fmt.Errorf("rate limit %v: want requests per second, 0 for unlimited", c.RateLimit)
	}
	if c.RateBurst < 1 {
		return fmt.Errorf("rate burst %d: want at least 1", c.RateBurst)
	}
	if c.MaxInflight < 0 {
		return fmt.Errorf("max in-flight must not be negative (0: no cap)")
	}
	if c.PasswordHashes < 0 {
		return fmt.Errorf("password hashes must not be negative (0: twice the CPUs)")
	}
	if c.GCPercent < 0 {
		return fmt.Errorf("gc percent must not be negative (0: the runtime's own)")
	}
	if c.MemoryLimitMB < 0 {
		return fmt.Errorf("memory limit must not be negative (0: none)")
	}
	return nil
}

// adminAddr returns the admin listener's address, "" for none.
func (c Config) adminAddr() string {
	if c.AdminAddr == "off" {
		return ""
	}
	return c.AdminAddr
}

// String prints the configuration with secrets redacted (a database URL may
// carry a password).
func (c Config) String() string {
	return fmt.Sprintf("addr=%s admin_addr=%s db=%s log_level=%s log_format=%s max_body_bytes=%d bulk_max_operations=%d bulk_max_payload=%d public_url=%s "+
		"drain_delay=%s write_timeout=%s rate_limit=%g rate_burst=%d max_inflight=%d password_hashes=%d trust_proxy=%t pprof=%t gc_percent=%d memory_limit_mb=%d oauth_token_ttl=%s",
		c.Addr, c.adminAddr(), redactURL(c.DB), c.LogLevel, c.LogFormat, c.MaxBodyBytes, c.BulkMaxOperations, c.BulkMaxPayload, c.PublicURL,
		c.DrainDelay, c.WriteTimeout, c.RateLimit, c.RateBurst, c.MaxInflight, c.PasswordHashes, c.TrustProxy, c.Pprof, c.GCPercent, c.MemoryLimitMB, c.OAuthTokenTTL)
}

// listen listens on addr, which the flag and the environment variable env
// set. When it cannot (another program has the port, most often), the error
// names them: the operator's fix is to choose another address.
func listen(addr, flag, env string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("%w: another program listens on %s; choose another address with %s or %s", err, addr, flag, env)
	}
	return nil, fmt.Errorf("%w; choose another address with %s or %s", err, flag, env)
}

// redactURL hides the password of a database URL, in its user info or in a
// password parameter, or of a key=value DSN.
func redactURL(s string) string {
	if !strings.Contains(s, "://") {
		return redactDSN(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "REDACTED")
		u.RawQuery = q.Encode()
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	return u.String()
}

// redactDSN hides the value of every password key of a key=value DSN
// ("host=db password=…"), quoted or not; text of no such form is returned
// as it is.
func redactDSN(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := indexFold(s, "password")
		if i < 0 {
			b.WriteString(s)
			break
		}
		rest := strings.TrimLeft(s[i+len("password"):], " ")
		if !strings.HasPrefix(rest, "=") {
			b.WriteString(s[:i+len("password")])
			s = s[i+len("password"):]
			continue
		}
		b.WriteString(s[:i] + "password=REDACTED")
		rest = strings.TrimLeft(rest[1:], " ")
		if strings.HasPrefix(rest, "'") {
			end := 1
			for end < len(rest) && rest[end] != '\'' {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			s = rest[min(end+1, len(rest)):]
			continue
		}
		end := strings.IndexAny(rest, " \t&;")
		if end < 0 {
			end = len(rest)
		}
		s = rest[end:]
	}
	return b.String()
}

// indexFold is strings.Index ignoring ASCII case, for a lower-case sub.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// logger returns a logger writing to w at the configured level and format.
func (c Config) logger(w io.Writer) *slog.Logger {
	return slog.New(c.handler(w))
}

// handler returns the slog handler of the configured level and format over w.
func (c Config) handler(w io.Writer) slog.Handler {
	var l slog.Level
	l.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: l}
	if c.LogFormat == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// storeKind splits a --db value into its kind and location.
func storeKind(db string) (kind, loc string, err error) {
	switch {
	case strings.HasPrefix(db, "sqlite:"):
		loc = strings.TrimPrefix(strings.TrimPrefix(db, "sqlite:"), "//")
		if loc == "" {
			return "", "", fmt.Errorf("--db %q: no file name", db)
		}
		return "sqlite", loc, nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		if _, err := url.Parse(db); err != nil {
			return "", "", fmt.Errorf("--db %s: not a URL", redactURL(db))
		}
		return "postgres", db, nil
	}
	return "", "", fmt.Errorf("--db %q: want sqlite:PATH or postgres://USER@HOST:PORT/DATABASE", redactURL(db))
}

// openStore opens (and migrates) the store c.DB names; for a server it also
// runs the store's background maintenance (on PostgreSQL without autovacuum,
// analysing its tables), which a one-off command leaves to the servers.
func openStore(ctx context.Context, c Config, log *slog.Logger, server bool) (roster.Store, error) {
	kind, loc, err := storeKind(c.DB)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return postgres.Open(ctx, loc, postgres.Options{Clock: time.Now, Logger: log, Analyze: server})
	}
	return sqlite.Open(ctx, loc, sqlite.Options{Clock: time.Now, Logger: log})
}

// sealer returns the sealer of sign-in secrets: under ROSTER_SECRET_KEY, or
// on SQLite under the key kept in the file <database>.key (created, mode
// 0600, on first need). On PostgreSQL the key must be given, the same on
// every instance.
func (c Config) sealer() (*sso.Sealer, error) {
	if c.SecretKey != "" {
		key, err := sso.ParseKey(c.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("ROSTER_SECRET_KEY: %w", err)
		}
		return sso.NewSealer(key)
	}
	kind, loc, err := storeKind(c.DB)
	if err != nil {
		return nil, err
	}
	if kind != "sqlite" {
		return nil, errors.New("ROSTER_SECRET_KEY is not set: on PostgreSQL, sign-in secrets are sealed with a key " +
			"every instance shares; set ROSTER_SECRET_KEY to the base64 of 32 random bytes (e.g. openssl rand -base64 32)")
	}
	key, err := sso.KeyFile(loc + ".key")
	if err != nil {
		return nil, err
	}
	return sso.NewSealer(key)
}

// commonFlags registers the flags every command takes.
func commonFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.DB, "db", c.DB, "database: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE (env ROSTER_DB)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (env ROSTER_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env ROSTER_LOG_FORMAT)")
}

// errHelp is what parse returns once it printed the help -h or --help asked
// for: the command stops there, and run returns nil.
var errHelp = errors.New("help printed")

// parse parses args allowing flags and positional arguments in any order, and
// returns the positional ones. It prints the command's help (errHelp) and its
// flag errors, an unknown flag's with the nearest flag the command has, to
// the flag set's output.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package's own messages: parse writes its own
	defer fs.SetOutput(out)
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printHelp(out, fs)
			return nil, errHelp
		}
		if err != nil {
			msg := err.Error()
			if name, ok := unknownFlag(fs, args); ok {
				if near := nearestFlag(fs, name); near != "" {
					msg += "; did you mean --" + near + "?"
				}
			}
			fmt.Fprintf(out, "roster %s: %s\nRun \"roster %s --help\" for its arguments and flags.\n", fs.Name(), msg, fs.Name())
			return nil, usageError{fmt.Errorf("%s: %s", fs.Name(), msg)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseDuration reads Go durations and whole days ("90d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid duration %q: want e.g. 720h or 90d", s)
	}
	return d, nil
}
