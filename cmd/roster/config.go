package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

// Config is everything the commands are configured with: defaults, then ROSTER_*
// environment variables, then flags.
type Config struct {
	Addr         string // ROSTER_ADDR
	DB           string // ROSTER_DB: "sqlite:PATH" or "postgres://…"
	LogLevel     string // ROSTER_LOG_LEVEL: debug, info, warn, error
	MaxBodyBytes int64  // ROSTER_MAX_BODY_BYTES
	PublicURL    string // ROSTER_PUBLIC_URL: the URL IdPs reach Roster at
	// EventRetention is how long events are kept (ROSTER_EVENT_RETENTION, default 30d).
	EventRetention time.Duration
	// WebhookMinBackoff is the first wait before a failed delivery is retried
	// (ROSTER_WEBHOOK_MIN_BACKOFF, default 5s); it doubles up to an hour.
	WebhookMinBackoff time.Duration
	// WebhookLease is how long an instance holds an endpoint without renewing
	// it (ROSTER_WEBHOOK_LEASE, default 30s): after a crash, the endpoints of the
	// dead instance wait this long before another instance (or the restarted one) takes them.
	WebhookLease time.Duration
}

// defaultConfig returns the defaults overridden by the environment.
func defaultConfig(getenv func(string) string) (Config, error) {
	c := Config{Addr: "127.0.0.1:8080", DB: "sqlite:roster.db", LogLevel: "info", MaxBodyBytes: 1 << 20,
		EventRetention: 30 * 24 * time.Hour, WebhookMinBackoff: 5 * time.Second, WebhookLease: 30 * time.Second}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{"ROSTER_EVENT_RETENTION", &c.EventRetention}, {"ROSTER_WEBHOOK_MIN_BACKOFF", &c.WebhookMinBackoff}, {"ROSTER_WEBHOOK_LEASE", &c.WebhookLease}} {
		if v := getenv(d.env); v != "" {
			n, err := parseDuration(v)
			if err != nil {
				return c, fmt.Errorf("%s: %w", d.env, err)
			}
			*d.dst = n
		}
	}
	if v := getenv("ROSTER_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("ROSTER_DB"); v != "" {
		c.DB = v
	}
	if v := getenv("ROSTER_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	if v := getenv("ROSTER_PUBLIC_URL"); v != "" {
		c.PublicURL = v
	}
	if v := getenv("ROSTER_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("ROSTER_MAX_BODY_BYTES: want a positive number of bytes, got %q", v)
		}
		c.MaxBodyBytes = n
	}
	return c, nil
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
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("max body bytes must be positive")
	}
	return nil
}

// String prints the configuration with secrets redacted (a database URL may
// carry a password).
func (c Config) String() string {
	return fmt.Sprintf("addr=%s db=%s log_level=%s max_body_bytes=%d public_url=%s",
		c.Addr, redactURL(c.DB), c.LogLevel, c.MaxBodyBytes, c.PublicURL)
}

// redactURL hides the password of a database URL, in its user info or in a
// password parameter.
func redactURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
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

func (c Config) logger(w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(c.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
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

// openStore opens (and migrates) the store c.DB names.
func openStore(ctx context.Context, c Config, log *slog.Logger) (roster.Store, error) {
	kind, loc, err := storeKind(c.DB)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return postgres.Open(ctx, loc, postgres.Options{Clock: time.Now, Logger: log})
	}
	return sqlite.Open(ctx, loc, sqlite.Options{Clock: time.Now, Logger: log})
}

// commonFlags registers the flags every command takes.
func commonFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.DB, "db", c.DB, "database: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE (env ROSTER_DB)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (env ROSTER_LOG_LEVEL)")
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
