package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/api"
	"github.com/rosterhq/roster/console"
	"github.com/rosterhq/roster/internal/health"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/internal/limit"
	"github.com/rosterhq/roster/internal/metrics"
	"github.com/rosterhq/roster/internal/notify"
	"github.com/rosterhq/roster/maintenance"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/scim/server"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/webhook"
)

// shutdownGrace is how long in-flight requests may take to finish on shutdown.
const shutdownGrace = 20 * time.Second

// readyTimeout bounds each readiness check.
const readyTimeout = 2 * time.Second

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := serveConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	return serve(ctx, c, stdout, stderr)
}

// serveConfig reads serve's configuration, the defaults then the environment
// then the flags of args, for the command name (serve, or doctor, which
// checks what serve would run with), and validates it.
func serveConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c, err := defaultConfig(getenv)
	if err != nil {
		return c, err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	serveFlags(fs, &c)
	if _, err := parse(fs, args); err != nil {
		return c, err
	}
	return c, c.validate()
}

// serveFlags registers the flags of serve: the common ones and the server's.
// roster doctor takes the same, to check the configuration a server runs with.
func serveFlags(fs *flag.FlagSet, c *Config) {
	commonFlags(fs, c)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env ROSTER_ADDR)")
	fs.StringVar(&c.AdminAddr, "admin-addr", c.AdminAddr, `admin listener for /metrics, health and, with --pprof, /debug/pprof; "" or off: none (env ROSTER_ADMIN_ADDR)`)
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve Go's profiles at /debug/pprof on the admin listener (never the command line) (env ROSTER_PPROF)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "URL IdPs reach Roster at, when behind a proxy (env ROSTER_PUBLIC_URL)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest accepted request body (env ROSTER_MAX_BODY_BYTES)")
	fs.IntVar(&c.BulkMaxOperations, "bulk-max-operations", c.BulkMaxOperations, "most operations in one SCIM Bulk request (env ROSTER_BULK_MAX_OPERATIONS)")
	fs.Int64Var(&c.BulkMaxPayload, "bulk-max-payload", c.BulkMaxPayload, "largest SCIM Bulk request body, in bytes (env ROSTER_BULK_MAX_PAYLOAD)")
	fs.DurationVar(&c.DrainDelay, "drain-delay", c.DrainDelay, "on SIGTERM, how long /readyz fails before the listener closes (env ROSTER_DRAIN_DELAY)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "how long a response may take to write; a long poll's time runs from the end of its wait (env ROSTER_WRITE_TIMEOUT)")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "a tenant's default requests per second; 0: unlimited (env ROSTER_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "a tenant's default burst of requests (env ROSTER_RATE_BURST)")
	fs.IntVar(&c.MaxInflight, "max-inflight", c.MaxInflight, "requests doing store work at once; 0: no cap (env ROSTER_MAX_INFLIGHT)")
	fs.IntVar(&c.PasswordHashes, "password-hashes", c.PasswordHashes, "password hashes computed at once, 19 MiB each; the excess waits 250 ms, then gets 429; 0: twice the CPUs (env ROSTER_PASSWORD_HASHES)")
	fs.IntVar(&c.MemoryLimitMB, "memory-limit-mb", c.MemoryLimitMB, "the garbage collector's soft limit on the Go runtime's memory, in MiB; 0: none (or GOMEMLIMIT) (env ROSTER_MEMORY_LIMIT_MB)")
	fs.IntVar(&c.GCPercent, "gc-percent", c.GCPercent, "the garbage collector's GOGC; 0: the runtime's own (GOGC or 100) (env ROSTER_GC_PERCENT)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "take client addresses from X-Forwarded-For, for the limits (env ROSTER_TRUST_PROXY)")
	fs.BoolVar(&c.ProvisioningLog, "provisioning-log", c.ProvisioningLog, "record every SCIM request in the provisioning log (env ROSTER_PROVISIONING_LOG)")
	fs.Func("log-retention", "how long provisioning log rows are kept (default 30d; env ROSTER_LOG_RETENTION)", func(v string) (err error) {
		c.LogRetention, err = parseDuration(v)
		return err
	})
	fs.Func("restore-retention", "how long a deleted user or group stays restorable before it is purged (default 30d; env ROSTER_RESTORE_RETENTION)", func(v string) (err error) {
		c.RestoreRetention, err = parseDuration(v)
		return err
	})
	fs.Func("oauth-token-ttl", "how long an access token issued to a SCIM OAuth client lives, e.g. 1h (env ROSTER_OAUTH_TOKEN_TTL)", func(v string) (err error) {
		c.OAuthTokenTTL, err = parseDuration(v)
		return err
	})
	fs.Func("event-retention", "how long events are kept (default 30d; env ROSTER_EVENT_RETENTION)", func(v string) (err error) {
		c.EventRetention, err = parseDuration(v)
		return err
	})
}

// serve runs the public listener (SCIM and health) and the admin listener
// (metrics, health and, when asked, pprof) until ctx ends, then shuts down in order:
// readiness fails, the drain delay passes, the listeners close once their
// in-flight requests are answered, background work stops, the store closes.
func serve(ctx context.Context, c Config, stdout, stderr io.Writer) error {
	// The server logs a line per request: they are written out in batches.
	lines := newLogBuffer(stdout)
	defer lines.Flush()
	log := slog.New(urgentHandler{c.handler(lines), lines})
	log.Info("starting", "config", c.String())
	if c.GCPercent > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(c.GCPercent))
	}
	if c.MemoryLimitMB > 0 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(c.MemoryLimitMB) << 20))
	}

	db, err := openStore(ctx, c, log, true)
	if err != nil {
		return err
	}
	defer db.Close()
	// Writes of this process wake the events API's long polls and the webhook relay.
	changed := &notify.Broadcaster{}
	store := notify.Store(db, changed)

	ln, err := listen(c.Addr, "--addr", "ROSTER_ADDR")
	if err != nil {
		return err
	}
	defer ln.Close()
	var adminLn net.Listener
	if addr := c.adminAddr(); addr != "" {
		if adminLn, err = listen(addr, "--admin-addr", "ROSTER_ADMIN_ADDR"); err != nil {
			return fmt.Errorf("admin listener: %w (or off for none)", err)
		}
		defer adminLn.Close()
	}
	public := strings.TrimSuffix(c.PublicURL, "/")
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	svc := admin.New(store, time.Now, log)
	if err := svc.RecordPublicURL(ctx, public); err != nil {
		return err
	}
	lines.Flush() // what was logged so far comes before what firstStart prints
	if err := firstStart(admin.WithActor(ctx, serverActor()), svc, public+server.Prefix, stdout); err != nil {
		return err
	}

	var m *metrics.Metrics // nil without an admin listener: nothing to serve them on
	if adminLn != nil {
		m = metrics.New()
		if ps, ok := db.(roster.PoolStater); ok {
			m.WatchPools(ps)
		}
	}
	var draining atomic.Bool
	probes := health.New(log, readyTimeout, readiness(db, &draining)...)

	var logs *provlog.Recorder
	var logSink server.LogRecorder
	if c.ProvisioningLog {
		logs = provlog.New(store, provlog.Options{Logger: log})
		logSink = logs
	}
	scim := server.New(store, server.Options{
		Log:               logSink,
		BaseURL:           baseURLIf(c.PublicURL),
		MaxBodyBytes:      c.MaxBodyBytes,
		BulkMaxOperations: c.BulkMaxOperations,
		BulkMaxPayload:    c.BulkMaxPayload,
		Limits:            limits(c, store, log),
		Metrics:           m,
		Logger:            log,
		ConfigRefresh:     cmp.Or(c.PolicyRefresh, -1),
		TokenCache:        cmp.Or(c.TokenCache, -1),
		AccessTokenTTL:    c.OAuthTokenTTL,
	})
	app := api.New(store, api.Options{Retention: c.EventRetention, WriteTimeout: c.WriteTimeout, Notify: changed, Logger: log, Users: svc})
	sealer := webhookSealer(c, log)
	relay := webhook.New(store, webhook.Options{MinBackoff: c.WebhookMinBackoff, Lease: c.WebhookLease, Notify: changed, Logger: log,
		Sealer: sealer})
	mux := http.NewServeMux()
	mux.Handle(server.Prefix+"/", scim.Handler())
	for _, path := range server.MisroutedPaths { // a Tenant URL pasted without /scim/v2
		mux.Handle(path, scim.Misrouted())
	}
	mux.Handle(api.Prefix+"/", app.Handler())
	probes.Register(mux)
	// The console's webhooks are added sealed as the relay opens them, and
	// their test messages go out through the relay.
	consoleAdmin, signInOff := sealingAdmin(c, admin.New(store, time.Now, log))
	consoleAdmin.SetWebhooks(sealer, relay)
	pages := console.New(consoleAdmin, store, console.Options{
		PublicURL: public, SCIMPath: server.Prefix, TrustProxy: c.TrustProxy, Logger: log, SignInOff: signInOff}).Handler()
	for _, path := range []string{console.Prefix + "/", admin.SetupPath, admin.SetupPath + "/"} {
		mux.Handle(path, pages)
	}
	if err := mountSignIn(mux, c, store, public, scim.TokenHandler(), logSink, log); err != nil {
		return err
	}
	srv := newHTTPServer(httpx.Wrap(mux, log, m), log, c.WriteTimeout)

	// Background work: token use, webhook delivery, the pruners. It
	// stops after the listeners, so that in-flight requests are served.
	flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(ctx))
	var background sync.WaitGroup
	background.Go(func() { scim.Run(flushCtx, 10*time.Second) })
	background.Go(func() { relay.Run(flushCtx) })
	// A recomputation starts once every server has had time to load the new
	// policy for its own writes.
	recompute := policy.NewRecomputer(store, policy.RecomputeOptions{Settle: cmp.Or(2*c.PolicyRefresh, -1), Logger: log})
	background.Go(func() { recompute.Run(flushCtx) })
	if m != nil { // each package defines the metrics of its numbers
		if logs != nil {
			logs.Metrics(m)
		}
		provlog.PrunerMetrics(m, store, log)
		relay.Metrics(m)
		recompute.Metrics(m)
	}
	pruners := maintenance.Pruners(store, maintenance.Retention{Events: c.EventRetention, Log: c.LogRetention, Restore: c.RestoreRetention}, time.Now)
	background.Go(func() { maintenance.Run(flushCtx, store, pruners, maintenance.Options{Logger: log}) })
	if logs != nil {
		background.Go(func() { logs.Run(flushCtx) })
	}
	flushed := make(chan struct{})
	go func() {
		<-flushCtx.Done()
		background.Wait()
		close(flushed)
	}()

	errc := make(chan error, 2)
	var adminSrv *http.Server
	if adminLn != nil {
		adminSrv = newHTTPServer(adminMux(m, probes, c.Pprof), log, c.WriteTimeout)
		go func() { errc <- adminSrv.Serve(adminLn) }()
		fmt.Fprintf(stderr, "roster: admin (%s) at http://%s\n", map[bool]string{false: "metrics, health", true: "metrics, pprof, health"}[c.Pprof], adminLn.Addr())
	}
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "roster: serving SCIM 2.0 at %s%s\n", public, server.Prefix)

	select {
	case err = <-errc: // a listener failed: stop the other one too
		srv.Close()
		if adminSrv != nil {
			adminSrv.Close()
		}
	case <-ctx.Done():
		err = shutdown(ctx, c, log, &draining, srv, adminSrv)
	}
	stopFlush()
	<-flushed
	log.Info("stopped")
	return err
}

// shutdown fails readiness, waits the drain delay so that load balancers stop
// sending, then closes the public listener and waits for its in-flight
// requests, then the admin listener.
func shutdown(ctx context.Context, c Config, log *slog.Logger, draining *atomic.Bool, srv, adminSrv *http.Server) error {
	draining.Store(true)
	log.Info("shutting down", "drain_delay", c.DrainDelay)
	if c.DrainDelay > 0 {
		time.Sleep(c.DrainDelay)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if adminSrv != nil {
		err = errors.Join(err, adminSrv.Shutdown(sctx))
	}
	return err
}

// maxHeaderBytes bounds a request's line and headers. It is well above what
// the longest filter the SCIM API takes needs once percent-encoded (three
// times its 4096 bytes), so that an over-long filter reaches the API and is
// refused with a SCIM error naming the limit, not Go's plain-text 431.
const maxHeaderBytes = 256 << 10

func newHTTPServer(h http.Handler, log *slog.Logger, writeTimeout time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// adminMux routes the admin listener: metrics, the health checks and, when
// profiles is set, pprof. The command line is never served, since it may
// hold a database URL with its password (--db).
func adminMux(m *metrics.Metrics, probes *health.Handler, profiles bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	if profiles {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", http.NotFound)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	probes.Register(mux)
	return mux
}

// readiness lists what /readyz checks: that Roster is not shutting down, that
// the store answers, and that its schema is up to date.
func readiness(store roster.Store, draining *atomic.Bool) []health.Check {
	checks := []health.Check{{Name: "shutdown", Run: func(context.Context) error {
		if draining.Load() {
			return errors.New("shutting down")
		}
		return nil
	}}}
	if hc, ok := store.(roster.HealthChecker); ok {
		checks = append(checks, health.Check{Name: "store", Run: hc.Ping}, health.Check{Name: "migrations", Run: hc.Migrated})
	}
	return checks
}

// limits builds the request limits of the configuration.
func limits(c Config, store roster.Store, log *slog.Logger) server.Limits {
	return server.Limits{
		Tenants: limit.NewTenants(store, limit.TenantOptions{
			Default: roster.RateLimit{Rate: c.RateLimit, Burst: c.RateBurst},
			Logger:  log,
		}),
		Addresses:  limit.NewFailures(limit.FailureOptions{}),
		Prefixes:   limit.NewFailures(limit.FailureOptions{}),
		Inflight:   limit.NewInflight(c.MaxInflight),
		TrustProxy: c.TrustProxy,
	}
}

// mountSignIn serves sign-in (Roster's OpenID Provider and the tenants'
// callbacks) at public, its token endpoint passing the client credentials
// grant to grant. Without ROSTER_SECRET_KEY on PostgreSQL, sign-in is off
// and the log says why; everything else is served, the grant too.
func mountSignIn(mux *http.ServeMux, c Config, store roster.Store, public string, grant http.Handler, logs server.LogRecorder, log *slog.Logger) error {
	sealer, err := c.sealer()
	if err != nil {
		if kind, _, _ := storeKind(c.DB); kind == "postgres" && c.SecretKey == "" {
			log.Warn("sign-in is off", "reason", err.Error())
			mux.Handle("POST "+server.TokenPath, grant)
			return nil
		}
		return err
	}
	sso.New(store, sso.Options{PublicURL: public, Sealer: sealer, TrustProxy: c.TrustProxy, MaxHashes: c.PasswordHashes,
		ClientCredentials: grant, Log: logs, Logger: log}).Register(mux)
	return nil
}

// sealingAdmin returns svc sealing sign-in secrets under Roster's secret key,
// for the console to set connections with; without a key (PostgreSQL without
// ROSTER_SECRET_KEY), svc as it is and why sign-in is off.
func sealingAdmin(c Config, svc *admin.Service) (*admin.Service, string) {
	sealer, err := c.sealer()
	if err != nil {
		return svc, err.Error()
	}
	return svc.WithSealer(sealer), ""
}

// webhookSealer returns the sealer of webhook signing secrets: the sign-in
// sealer under Roster's secret key. Without a key (PostgreSQL without
// ROSTER_SECRET_KEY), it is nil, and the log says the secrets stay as they are.
func webhookSealer(c Config, log *slog.Logger) webhook.Sealer {
	sealer, err := c.sealer()
	if err != nil {
		log.Warn("webhook signing secrets are stored as they are", "reason", err.Error())
		return nil
	}
	return sealer
}

func baseURLIf(public string) string {
	if public == "" {
		return ""
	}
	return strings.TrimSuffix(public, "/") + server.Prefix
}

// firstStart creates tenant "default" and its first token when the store has no
// tenant yet, and prints what to paste into the IdP.
func firstStart(ctx context.Context, svc *admin.Service, scimURL string, out io.Writer) error {
	t, secret, err := svc.FirstStart(ctx)
	if err != nil || t == nil {
		return err
	}
	fmt.Fprintf(out, `Roster created tenant %q. Paste these into Microsoft Entra ID
(Enterprise application > Provisioning > Admin Credentials):

  Tenant URL:    %s
  Secret Token:  %s

The token is shown only this once. Create more with: roster token create --tenant %s
`, t.Name, scimURL, secret, t.Name)
	return nil
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
