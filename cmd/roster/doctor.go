package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/rosterhq/roster/doctor"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

// doctorTimeout bounds reaching the database, which may hang on a firewall
// that drops packets.
const doctorTimeout = 10 * time.Second

// checksFailed is the error of a doctor run with failed checks: main exits
// with status 1 for it, not 2, as a command that could not run does.
type checksFailed struct{ n int }

func (e checksFailed) Error() string {
	if e.n == 1 {
		return "1 check failed"
	}
	return fmt.Sprintf("%d checks failed", e.n)
}

// runDoctor checks the deployment serve would run with the same flags and
// environment, prints one line per check, and fails when any check does.
func runDoctor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := serveConfig("doctor", args, getenv, stderr)
	if err != nil {
		return err
	}
	kind, loc, err := storeKind(c.DB)
	if err != nil {
		return err
	}
	dc := doctor.Config{
		PublicURL: c.PublicURL, Addr: c.Addr, AdminAddr: c.adminAddr(), Pprof: c.Pprof, SecretKey: c.SecretKey,
		EventRetention: c.EventRetention, LogRetention: c.LogRetention, RestoreRetention: c.RestoreRetention,
	}
	if kind == "sqlite" {
		dc.KeyFile = loc + ".key" // as Config.sealer reads it
	}
	opener := storeOpener{c: c, kind: kind, loc: loc}
	if n := doctor.Write(stdout, doctor.New(dc, opener, doctor.Options{}).Run(ctx)); n > 0 {
		return checksFailed{n}
	}
	return nil
}

// storeOpener opens the database of c for the doctor: Pending changes
// nothing, and Open is called only when nothing is pending.
type storeOpener struct {
	c         Config
	kind, loc string
}

func (o storeOpener) Pending(ctx context.Context) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	if o.kind == "postgres" {
		return postgres.Pending(ctx, o.loc)
	}
	return sqlite.Pending(ctx, o.loc)
}

func (o storeOpener) Open(ctx context.Context) (doctor.Database, error) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	if o.kind == "postgres" {
		return postgres.Open(ctx, o.loc, postgres.Options{Clock: time.Now, Logger: slog.New(slog.DiscardHandler)})
	}
	return sqlite.Open(ctx, o.loc, sqlite.Options{Clock: time.Now, Logger: slog.New(slog.DiscardHandler)})
}
