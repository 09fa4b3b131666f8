package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/api"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/internal/notify"
	"github.com/rosterhq/roster/scim/server"
	"github.com/rosterhq/roster/webhook"
)

// shutdownGrace is how long in-flight requests may take to finish on shutdown.
const shutdownGrace = 20 * time.Second

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := defaultConfig(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env ROSTER_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "URL IdPs reach Roster at, when behind a proxy (env ROSTER_PUBLIC_URL)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest accepted request body (env ROSTER_MAX_BODY_BYTES)")
	fs.Func("event-retention", "how long events are kept, e.g. 30d (env ROSTER_EVENT_RETENTION)", func(v string) (err error) {
		c.EventRetention, err = parseDuration(v)
		return err
	})
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	log := c.logger(stderr)
	log.Info("starting", "config", c.String())

	db, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// Writes of this process wake the events API's long polls and the webhook relay.
	changed := &notify.Broadcaster{}
	store := notify.Store(db, changed)

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	public := strings.TrimSuffix(c.PublicURL, "/")
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	if err := firstStart(ctx, store, public+"/scim/v2", stdout); err != nil {
		ln.Close()
		return err
	}

	scim := server.New(store, server.Options{
		BaseURL:      baseURLIf(c.PublicURL),
		MaxBodyBytes: c.MaxBodyBytes,
		Logger:       log,
	})
	app := api.New(store, api.Options{Retention: c.EventRetention, Notify: changed, Logger: log})
	relay := webhook.New(store, webhook.Options{MinBackoff: c.WebhookMinBackoff, Lease: c.WebhookLease, Notify: changed, Logger: log})
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", scim.Handler()))
	mux.Handle("/api/v1/", http.StripPrefix("/api/v1", app.Handler()))
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := store.Tenants(r.Context()); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	srv := &http.Server{
		Handler:           httpx.Wrap(mux, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	// Background work: token use, webhook delivery and event pruning. It
	// stops after the HTTP server, so that in-flight requests are served.
	flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(ctx))
	var background sync.WaitGroup
	background.Go(func() { scim.Run(flushCtx, 10*time.Second) })
	background.Go(func() { relay.Run(flushCtx) })
	background.Go(func() { prune(flushCtx, store, c.EventRetention, log) })
	flushed := make(chan struct{})
	go func() {
		<-flushCtx.Done()
		background.Wait()
		close(flushed)
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "roster: serving SCIM 2.0 at %s/scim/v2\n", public)

	select {
	case err := <-errc:
		stopFlush()
		<-flushed
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopFlush()
	<-flushed
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// prune deletes events older than retention once an hour (and at start) until ctx ends.
func prune(ctx context.Context, store roster.Store, retention time.Duration, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		n, err := store.PruneEvents(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("pruning events", "err", err)
		case n > 0:
			log.Info("pruned events", "count", n, "older_than", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func baseURLIf(public string) string {
	if public == "" {
		return ""
	}
	return strings.TrimSuffix(public, "/") + "/scim/v2"
}

// firstStart creates tenant "default" and its first token when the store has no
// tenant yet, and prints what to paste into the IdP.
func firstStart(ctx context.Context, store roster.Store, scimURL string, out io.Writer) error {
	tenants, err := store.Tenants(ctx)
	if err != nil {
		return err
	}
	if len(tenants) > 0 {
		return nil
	}
	t := &roster.Tenant{Name: "default"}
	if err := store.CreateTenant(ctx, t); err != nil {
		if roster.ErrorCode(err) == roster.ECONFLICT {
			return nil // another process created it first
		}
		return err
	}
	secret, err := issueToken(ctx, store, t, "first token", 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `Roster created tenant "default". Paste these into Microsoft Entra ID
(Enterprise application > Provisioning > Admin Credentials):

  Tenant URL:    %s
  Secret Token:  %s

The token is shown only this once. Create more with: roster token create --tenant default
`, scimURL, secret)
	return nil
}

// issueToken creates a token for tenant t and returns its secret.
func issueToken(ctx context.Context, store roster.Store, t *roster.Tenant, name string, ttl time.Duration) (string, error) {
	secret, prefix, hash := roster.NewTokenSecret()
	tok := &roster.Token{TenantID: t.ID, Name: name, Prefix: prefix, Hash: hash}
	if ttl > 0 {
		tok.Expires = time.Now().Add(ttl)
	}
	if err := store.CreateToken(ctx, tok); err != nil {
		return "", err
	}
	return secret, nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, err := newCommand("migrate", getenv, stderr)
	if err != nil {
		return err
	}
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "roster: database is up to date")
	return cmd.store.Close()
}
