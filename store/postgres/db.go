package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configures Open.
type Options struct {
	// Clock tells the time of every write; nil means time.Now.
	Clock roster.Clock
	// Logger receives migration progress; nil discards it.
	Logger *slog.Logger
	// MaxConns bounds the connection pool; 0 means pgxpool's default (the
	// larger of 4 and the number of CPUs), or pool_max_conns in the URL.
	MaxConns int32
	// Analyze analyses the users table as this process fills it, and, where
	// autovacuum is off, runs the stand-in for autovacuum's analysis of every
	// table (analyzeLoop) while the store is open: for a server, not for a
	// one-off command.
	Analyze bool
}

// DB is Roster's store on a PostgreSQL database. It is safe for concurrent use,
// and any number of processes may use the same database at once.
type DB struct {
	pool *pgxpool.Pool
	// schema is the migrations' provider, kept for Migrated over conns, a
	// database/sql view of pool.
	schema *goose.Provider
	conns  *sql.DB
	now    roster.Clock
	log    *slog.Logger
	// grown drives the analysis stand-in from the users created (analyze.go);
	// nil when the stand-in does not run.
	grown *grownUsers
	// seq numbers the committed events (sequence.go).
	seq *sequencer
	// beforeCommit, when set (by tests), runs in every write after its
	// events are inserted and before it commits.
	beforeCommit func()
	// stop ends the background work started by Open; bg waits for it.
	stop context.CancelFunc
	bg   sync.WaitGroup
}

var _ roster.Store = (*DB)(nil)

// Open connects to the database at url (postgres://…, or a key=value DSN) and
// brings its schema up to date with the embedded migrations.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "postgres: open: %v", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	db := &DB{now: opts.Clock, log: opts.Logger}
	if db.now == nil {
		db.now = time.Now
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("open", err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Events a stopped instance committed and left without a seq are
	// numbered before this one serves.
	db.seq = newSequencer(db.pool, db.log)
	if err := db.seq.run(ctx, true); err != nil {
		db.Close()
		return nil, err
	}
	bg, stop := context.WithCancel(context.Background())
	db.stop = stop
	db.bg.Go(func() { db.seq.loop(bg) })
	if opts.Analyze {
		var autovacuum string
		if err := db.pool.QueryRow(ctx, `SELECT current_setting('autovacuum')`).Scan(&autovacuum); err != nil {
			db.Close()
			return nil, wrap("open", err)
		}
		periodic := autovacuum != "on"
		if periodic {
			db.log.Warn("postgres: autovacuum is off; Roster analyses its own tables as they grow (turn autovacuum on to leave it to PostgreSQL)")
		}
		db.grown = &grownUsers{kick: make(chan struct{}, 1)}
		db.bg.Go(func() { db.analyzeLoop(bg, periodic) })
	}
	return db, nil
}

// migrate applies the pending migrations under a session advisory lock, so
// that instances starting together on a new database take turns.
func (db *DB) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return wrap("migrate", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return wrap("migrate", err)
	}
	db.conns = stdlib.OpenDBFromPool(db.pool)
	db.schema, err = goose.NewProvider(goose.DialectPostgres, db.conns, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithSlog(db.log), goose.WithSessionLocker(locker))
	if err != nil {
		return wrap("migrate", err)
	}
	p := db.schema
	results, err := p.Up(ctx)
	if err != nil {
		return wrap("migrate", err)
	}
	for _, r := range results {
		db.log.InfoContext(ctx, "postgres migration applied", "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// Close stops the store's background work and closes the connection pool.
func (db *DB) Close() error {
	if db.stop != nil {
		db.stop()
		db.bg.Wait()
	}
	if db.conns != nil {
		db.conns.Close() // only forgets the pool, which closes next
	}
	db.pool.Close()
	return nil
}

// stamp returns the current time from the clock in UTC, truncated to the
// microseconds PostgreSQL keeps, so that it equals the time read back.
func (db *DB) stamp() time.Time {
	return db.now().UTC().Truncate(time.Microsecond)
}

// maxAttempts bounds how often a write is run when it loses a deadlock or a
// serialization check to a concurrent one.
const maxAttempts = 5

// tx is a write transaction. Its statements go to the server in as few
// round trips as their answers allow: BEGIN, and the statements whose answer
// is only their error (queue), wait for the next statement that needs an
// answer and go in one pipeline with it (SendBatch); the events and COMMIT go
// in one more, with whatever is still queued. PostgreSQL runs a pipeline's
// statements one after the other, each with a snapshot taken when it starts
// (READ COMMITTED), as if they had been sent one at a time; after an error it
// skips the rest of the pipeline, COMMIT included.
type tx struct {
	conn     *pgxpool.Conn
	queued   *pgx.Batch // BEGIN until it is sent, and the queued statements
	tenantID string
	now      time.Time
	events   []outbox.Event
}

func (t *tx) event(e ...outbox.Event) {
	t.events = append(t.events, e...)
}

// queue adds a statement whose answer is only its error to those sent with
// the next statement: an error of it is the error of that statement, or of
// the commit.
func (t *tx) queue(sql string, args ...any) {
	t.queued.Queue(sql, args...)
}

// SendBatch sends the queued statements and then b's, in one round trip.
// The results returned are b's: those of the queued statements have been
// read, and an error of one is the error of every result after it.
func (t *tx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	n := t.queued.Len()
	if n > 0 {
		b.QueuedQueries = append(t.queued.QueuedQueries, b.QueuedQueries...)
		t.queued = &pgx.Batch{}
	}
	br := t.conn.SendBatch(ctx, b)
	for range n {
		if _, err := br.Exec(); err != nil {
			break
		}
	}
	return br
}

// Exec runs one statement, with the queued ones, and returns its command tag.
func (t *tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	b := &pgx.Batch{}
	b.Queue(sql, args...).Exec(func(ct pgconn.CommandTag) error {
		tag = ct
		return nil
	})
	return tag, t.SendBatch(ctx, b).Close()
}

// QueryRow runs one statement, with the queued ones, when its row is scanned.
func (t *tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return &txRow{t: t, ctx: ctx, sql: sql, args: args}
}

type txRow struct {
	t    *tx
	ctx  context.Context
	sql  string
	args []any
}

func (r *txRow) Scan(dest ...any) error {
	b := &pgx.Batch{}
	b.Queue(r.sql, r.args...).QueryRow(func(row pgx.Row) error { return row.Scan(dest...) })
	return r.t.SendBatch(r.ctx, b).Close()
}

// Query sends the queued statements first, in a round trip of their own, as
// the rows it returns are read after it returns.
func (t *tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.queued.Len() > 0 {
		if err := t.SendBatch(ctx, &pgx.Batch{}).Close(); err != nil {
			return nil, err
		}
	}
	return t.conn.Query(ctx, sql, args...)
}

// write runs fn in a transaction and commits it with its events, then waits
// for the sequencer to number them, so that they can be read once write
// returns. A deadlock or serialization failure runs fn again in a new
// transaction; fn must then start from scratch (it does, as it only talks to
// the database through t).
func (db *DB) write(ctx context.Context, tenantID string, fn func(*tx) error) error {
	var (
		events bool
		err    error
	)
	for range maxAttempts {
		events, err = db.writeOnce(ctx, tenantID, fn)
		if !retryable(err) {
			break
		}
	}
	if err == nil && events {
		db.seq.wait(ctx)
	}
	return unreachable(err)
}

// writeOnce runs fn in a transaction and commits it, and reports whether it
// inserted events. BEGIN goes with fn's first statement, and the events with
// COMMIT: a write that needs one answer from the server before it can
// commit takes two round trips.
func (db *DB) writeOnce(ctx context.Context, tenantID string, fn func(*tx) error) (bool, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release(ctx, conn)
	t := &tx{conn: conn, queued: &pgx.Batch{}, tenantID: tenantID, now: db.stamp()}
	t.queue(`BEGIN`)
	if err := fn(t); err != nil {
		return false, err
	}
	b := &pgx.Batch{}
	if err := appendEvents(b, t); err != nil {
		return false, err
	}
	if db.beforeCommit != nil {
		// The test's pause comes between the events and the commit.
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return false, err
		}
		db.beforeCommit()
		b = &pgx.Batch{}
	}
	b.Queue(`COMMIT`).Exec(func(ct pgconn.CommandTag) error {
		if ct.String() != "COMMIT" {
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
	return len(t.events) > 0, t.SendBatch(ctx, b).Close()
}

// appendEvents queues on b the insert of t's events, in one statement, in
// order, without a seq: each takes the next pos as it is inserted, and the
// sequencer numbers them once t has committed (sequence.go). No lock is
// taken, so writers commit together.
func appendEvents(b *pgx.Batch, t *tx) error {
	if len(t.events) == 0 {
		return nil
	}
	n := len(t.events)
	ids, types, rtypes, rids := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	bodies := make([]string, n)
	for i, e := range t.events {
		b, err := e.Body()
		if err != nil {
			return err
		}
		ids[i], types[i], rtypes[i], rids[i], bodies[i] = row.NewID(), e.Type, e.ResourceType, e.ResourceID, string(b)
	}
	// pos is the column's default, evaluated row by row as the sorted rows
	// are inserted: the events keep their order.
	b.Queue(`
		INSERT INTO events (id, tenant_id, type, resource_type, resource_id, payload, created)
		SELECT e.id, $1, e.type, e.rtype, e.rid, e.body::jsonb, $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
			AS e(id, type, rtype, rid, body, n)
		ORDER BY e.n`,
		t.tenantID, t.now, ids, types, rtypes, rids, bodies)
	return nil
}

// retryable reports whether err is a deadlock or serialization failure, after
// which the whole transaction may be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// sqlState returns the SQLSTATE and constraint of a PostgreSQL error in err's chain.
func sqlState(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// rollback ends t when it was not committed; the error of a finished
// transaction is of no interest.
func rollback(ctx context.Context, t pgx.Tx) {
	_ = t.Rollback(context.WithoutCancel(ctx))
}

// release rolls back the transaction of a write that did not commit, if it
// began, and returns its connection to the pool (which closes a connection
// left in a transaction).
func release(ctx context.Context, conn *pgxpool.Conn) {
	if conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `ROLLBACK`)
	}
	conn.Release()
}

// nullString stores "" as NULL, so that absent optional attributes are absent to filters too.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// fromNull reads a nullable time; NULL is the zero time.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// wrap passes Roster errors through and prefixes others with the step; an
// error of a connection that failed or was refused is EUNAVAILABLE.
func wrap(step string, err error) error {
	var re *roster.Error
	if err == nil || errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", step, unreachable(err))
}

// unreachable returns err with EUNAVAILABLE (reason store_unavailable) in its
// chain when the server could not be reached, closed the connection, or is
// shutting down or starting up, as during a restart or a failover: the client
// may retry once it is back. A statement whose connection broke may or may
// not have committed; a retried create then finds its own row (409). Other
// errors are returned as they are.
func unreachable(err error) error {
	var re *roster.Error
	if err == nil || errors.As(err, &re) || !connectionLost(err) {
		return err
	}
	return fmt.Errorf("%w: %w", &roster.Error{Code: roster.EUNAVAILABLE, Reason: "store_unavailable",
		Detail: "the database cannot be reached: retry later"}, err)
}

// connectionLost reports whether err is the failure of a connection rather
// than of a statement: a connection refused or cut, SQLSTATE class 08
// (connection exception), or 57P01-57P03 (the server is shutting down or
// starting up). The causes are read from their types and codes.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var (
		ce *pgconn.ConnectError
		oe *net.OpError
	)
	return errors.As(err, &ce) || errors.As(err, &oe) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
