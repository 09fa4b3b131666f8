// Package doctor checks a Roster deployment: its configuration, its database
// and what the database holds. Each check gives a verdict (ok, warn or FAIL)
// and, when not ok, what is wrong and exactly what to change: the flag, the
// environment variable or the command. It reads and never writes: the
// database is opened only once it is known to lack no migration, so that
// checking it never migrates it.
package doctor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rosterhq/roster"
)

// Verdict is the outcome of one check.
type Verdict int

// Verdicts, from best to worst.
const (
	OK   Verdict = iota // nothing to change
	Warn                // works, but worth changing (or could not be checked)
	Fail                // something does not work, or is unsafe, until changed
)

// String returns the verdict as printed: ok, warn or FAIL.
func (v Verdict) String() string {
	switch v {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	}
	return "FAIL"
}

// Result is one check's verdict.
type Result struct {
	Name    string
	Verdict Verdict
	// Detail says what the check found; when not OK, what is wrong and why
	// it matters.
	Detail string
	// Fix says what to change: a flag, an environment variable, a command.
	// "" when OK.
	Fix string
}

// String formats the result as one line: verdict, name, detail and fix.
func (r Result) String() string {
	s := fmt.Sprintf("%-4s %s: %s", r.Verdict, r.Name, r.Detail)
	if r.Fix != "" {
		s += "; fix: " + r.Fix
	}
	return s
}

// Config is what the checks read of Roster's configuration (roster serve's
// flags and ROSTER_* variables).
type Config struct {
	PublicURL string // --public-url; "" when not set
	Addr      string // --addr, the public listener
	AdminAddr string // --admin-addr; "" when off
	Pprof     bool   // --pprof
	// KeyFile is the secret key file beside a SQLite database; "" on
	// PostgreSQL.
	KeyFile string
	// SecretKey is ROSTER_SECRET_KEY, "" when not set. It is only parsed,
	// never printed.
	SecretKey        string
	EventRetention   time.Duration
	LogRetention     time.Duration
	RestoreRetention time.Duration
}

// Database is what the checks read of the database, once it is open.
type Database interface {
	// DatabaseTime returns the time by the database's clock.
	DatabaseTime(ctx context.Context) (time.Time, error)
	// PublicURL returns the public URL the last server to start recorded;
	// ENOTFOUND when none did.
	PublicURL(ctx context.Context) (string, error)
	Tenants(ctx context.Context) ([]*roster.Tenant, error)
	Tokens(ctx context.Context, tenantID string) ([]*roster.Token, error)
	// SSOConnection returns the tenant's sign-in connection; ENOTFOUND when
	// it has none.
	SSOConnection(ctx context.Context, tenantID string) (*roster.SSOConnection, error)
	Close() error
}

// Opener reaches the database.
type Opener interface {
	// Pending returns the versions of the migrations the database lacks,
	// changing nothing. ENOTFOUND when there is no database (a SQLite file
	// that does not exist); another error when it cannot be reached.
	Pending(ctx context.Context) ([]int64, error)
	// Open opens the database; it is called only when nothing is pending.
	Open(ctx context.Context) (Database, error)
}

// Options are the doctor's parts that tests replace.
type Options struct {
	// Now is this machine's clock; nil means time.Now.
	Now func() time.Time
	// Client reaches the public URL; nil means a client that gives up after
	// five seconds.
	Client *http.Client
}

// Doctor runs the checks of one configuration and database.
type Doctor struct {
	cfg    Config
	db     Opener
	now    func() time.Time
	client *http.Client
}

// New returns a doctor of the configuration c and the database db.
func New(c Config, db Opener, opts Options) *Doctor {
	d := &Doctor{cfg: c, db: db, now: opts.Now, client: opts.Client}
	if d.now == nil {
		d.now = time.Now
	}
	if d.client == nil {
		d.client = &http.Client{Timeout: 5 * time.Second}
	}
	return d
}

// Run runs every check and returns their results, in the order they are
// printed. The checks of what the database holds are reported as not
// checked (Warn) when the database cannot be opened or lacks migrations.
func (d *Doctor) Run(ctx context.Context) []Result {
	rs := []Result{d.checkPublicURL(), d.checkReachable(ctx), d.checkSecretKey(), d.checkAdminListener()}
	rs = append(rs, d.checkRetention()...)
	r, db := d.checkDatabase(ctx)
	rs = append(rs, r)
	if db == nil {
		for _, name := range []string{nameRecorded, nameClock, nameTokens, nameCertificates} {
			rs = append(rs, Result{Name: name, Verdict: Warn, Detail: "not checked: the database check failed", Fix: "what the database check says"})
		}
		return rs
	}
	defer db.Close()
	rs = append(rs, d.checkRecordedURL(ctx, db), d.checkClock(ctx, db))
	tenants, err := db.Tenants(ctx)
	if err != nil {
		return append(rs,
			Result{Name: nameTokens, Verdict: Fail, Detail: "cannot list tenants: " + err.Error()},
			Result{Name: nameCertificates, Verdict: Fail, Detail: "cannot list tenants: " + err.Error()})
	}
	return append(rs, d.checkTokens(ctx, db, tenants), d.checkCertificates(ctx, db, tenants))
}

// Write prints one line per result and returns how many failed.
func Write(w io.Writer, results []Result) (failed int) {
	for _, r := range results {
		fmt.Fprintln(w, r)
		if r.Verdict == Fail {
			failed++
		}
	}
	return failed
}
