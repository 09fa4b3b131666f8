package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rosterhq/roster"
)

//go:embed migrations/*.sql
var migrations embed.FS

// timeFormat is how times are stored: UTC with a fixed-width fraction, so that the
// lexical order of the text is the order of the times.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// busyTimeout is how long a connection waits for another writer (possibly another
// process on the same file) before it gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Options configures Open.
type Options struct {
	// Clock tells the time of every write; nil means time.Now.
	Clock roster.Clock
	// Logger receives migration progress; nil discards it.
	Logger *slog.Logger
}

// DB is Roster's store on one SQLite file. It is safe for concurrent use, and
// several processes may open the same file at once.
type DB struct {
	// conn has the single write connection, whose transactions begin IMMEDIATE,
	// so every write takes the file's write lock up front and never fails
	// upgrading a read lock. After Open only the writer goroutine uses it.
	conn *sql.DB
	// writes queues writes for the writer (see write); closing tells the
	// writer and the writes waiting to stop, and writerDone when it has.
	writes     chan *writeRequest
	closing    chan struct{}
	closeOnce  sync.Once
	writerDone chan struct{}
	// ckpt is the checkpointer's connection (checkpoint.go); commits counts the
	// writer's commits, and checkpointDone is closed when the checkpointer stops.
	ckpt           *sql.DB
	commits        atomic.Int64
	checkpointDone chan struct{}
	// read is a pool of query_only connections; in WAL mode they read a snapshot
	// and never wait for the writer.
	read *sql.DB
	// logw and logr are the writer and readers of the provisioning log's own file.
	logw, logr *sql.DB
	// logIndexDue is when the log's keys are next merged into its index, in
	// Unix nanoseconds; 0 (on open) is at the next write.
	logIndexDue atomic.Int64
	// logUnindexed counts the entries written since the last merge.
	logUnindexed atomic.Int64
	// logBufs holds the log writer's buffers (AppendLog).
	logBufs chunkBuffers
	// userByID (the read of every PATCH and PUT of a user) and userDoc (every
	// GET of a user without a projection) are the most frequent reads, prepared
	// once per read connection instead of on every call.
	userByID *sql.Stmt
	userDoc  *sql.Stmt
	// stmts caches prepared list queries by text: a filter compiles to the same
	// text whatever its values, and preparing the page query costs more than running it.
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt
	// wstmts caches the writer connection's statements (stmt.go).
	wstmts *writeStmts
	// schema reads the applied migrations through the read pool, for Migrated.
	schema *goose.Provider
	now    roster.Clock
	log    *slog.Logger
}

var _ roster.Store = (*DB)(nil)

// createPrivate creates the file path, empty and readable by its owner only
// (0600), unless it exists. SQLite gives the -wal and -shm files it creates
// beside a database the database's own mode, so they are private too; an
// existing file keeps the mode its owner gave it.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Open opens (creating if needed) the SQLite database at path, a file name, and
// brings its schema up to date with the embedded migrations.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") || strings.Contains(path, ":memory:") {
		return nil, roster.Errorf(roster.EINVALID, "sqlite: open: %q is not a database file name", path)
	}
	db := &DB{now: opts.Clock, log: opts.Logger, stmts: map[string]*sql.Stmt{}}
	if db.now == nil {
		db.now = time.Now
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)", busyTimeout.Milliseconds())
	var err error
	// The writer's connection leaves most of the checkpointing to the
	// checkpointer (checkpoint.go).
	db.conn, err = sql.Open("sqlite", path+"?"+pragmas+"&_pragma=journal_mode(WAL)&_pragma=temp_store(MEMORY)"+
		fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerCheckpointPages)+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.conn.SetMaxOpenConns(1)
	db.conn.SetConnMaxIdleTime(0)
	if err := db.migrate(ctx); err != nil {
		db.conn.Close()
		return nil, err
	}
	// Refresh the planner's statistics where they are missing or stale (SQLite's
	// advice for long-lived connections); cheap when nothing changed. The
	// analysis limit has ANALYZE sample about 400 rows of each index instead
	// of reading all of them, as SQLite advises: the first start after a
	// million users were seeded spent 5.2 s of its 5.5 s here without it,
	// 0.6 s with it, and the planner needs the statistics' shape, not exact
	// figures (TestPagePlans holds even with none). ANALYZE still counts
	// every entry of each index, so a large table that has no statistics
	// gets estimates instead (estimateStats).
	if _, err := db.conn.ExecContext(ctx, "PRAGMA analysis_limit=400"); err != nil {
		db.conn.Close()
		return nil, fmt.Errorf("sqlite: open: analysis limit: %w", err)
	}
	if err := estimateStats(ctx, db.conn); err != nil {
		db.conn.Close()
		return nil, fmt.Errorf("sqlite: open: statistics: %w", err)
	}
	if _, err := db.conn.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		db.conn.Close()
		return nil, fmt.Errorf("sqlite: open: optimize: %w", err)
	}
	// Keep the statistics the planner needs (sqlite_stat1) but not the samples
	// of sqlite_stat4: with samples, SQLite re-prepares a statement each time a
	// bound value changes (a new userName, a new id), which made every lookup
	// re-parse its SQL: 268 µs against 60 µs per userName filter on 100,000
	// users. Roster's queries are equality lookups on selective indexes, which
	// stat1 plans as well.
	if err := dropStat4(ctx, db.conn); err != nil {
		db.conn.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// The read pool is opened after the writer has switched the file to WAL (a
	// persistent setting), so readers never need a write lock.
	db.read, err = sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		db.conn.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// Readers are not capped (a long member stream must not hold up others),
	// but enough stay open for a busy server: a connection closed and opened
	// again parses the schema anew, and re-prepares its statements, which took
	// 40% of a GET's CPU at 8 concurrent requests when 4 were kept.
	db.read.SetMaxIdleConns(maxIdleReaders)
	db.read.SetConnMaxIdleTime(time.Minute)
	db.userByID, err = db.read.PrepareContext(ctx, userByIDQuery)
	if err == nil {
		db.userDoc, err = db.read.PrepareContext(ctx, userDocQuery)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if db.schema, err = db.provider(db.read); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if err := db.openLog(ctx, path); err != nil {
		db.Close()
		return nil, err
	}
	if db.ckpt, err = sql.Open("sqlite", path+"?"+pragmas); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.ckpt.SetMaxOpenConns(1)
	db.writes, db.closing, db.writerDone = make(chan *writeRequest), make(chan struct{}), make(chan struct{})
	db.checkpointDone = make(chan struct{})
	db.wstmts = &writeStmts{prepared: map[string]*sql.Stmt{}, seen: map[string]bool{}}
	go db.writer()
	go db.checkpointer()
	return db, nil
}

// provider returns a goose provider of the embedded migrations over conns.
func (db *DB) provider(conns *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectSQLite3, conns, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithSlog(db.log))
}

// migrate applies the pending migrations. When several processes open a new
// file at once, they race for each migration; a loser tries again (the file's
// write lock orders them) until nothing is pending.
func (db *DB) migrate(ctx context.Context) error {
	p, err := db.provider(db.conn)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if err := db.upWithRetry(ctx, p); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Close stops the writer, once the group it is committing is done, and closes
// both connection pools. Writes made after Close fail.
func (db *DB) Close() error {
	if db.closing != nil {
		db.closeOnce.Do(func() { close(db.closing) })
		<-db.writerDone
		<-db.checkpointDone
	}
	var errs []error
	if db.userByID != nil {
		errs = append(errs, db.userByID.Close())
	}
	if db.userDoc != nil {
		errs = append(errs, db.userDoc.Close())
	}
	db.stmtMu.Lock()
	for q, st := range db.stmts {
		errs = append(errs, st.Close())
		delete(db.stmts, q)
	}
	db.stmtMu.Unlock()
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	for _, c := range []*sql.DB{db.logr, db.logw, db.ckpt} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	if db.conn != nil {
		errs = append(errs, db.conn.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// maxIdleReaders is how many read connections are kept open between requests.
const maxIdleReaders = 32

// maxStmts bounds the statement cache; past it, queries are prepared per call.
const maxStmts = 256

// query runs a read query in tx (nil: on the read pool, as a snapshot of its
// own), with a cached prepared statement when there is room.
func (db *DB) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st := db.cachedStmt(ctx, query)
	switch {
	case tx == nil && st == nil:
		return db.read.QueryContext(ctx, query, args...)
	case tx == nil:
		return st.QueryContext(ctx, args...)
	case st == nil:
		return txQuery(ctx, tx, query, args...)
	}
	return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

// cachedStmt returns the read pool's prepared statement for query, preparing it
// when the cache has room; nil means run the query unprepared.
func (db *DB) cachedStmt(ctx context.Context, query string) *sql.Stmt {
	db.stmtMu.Lock()
	st, ok := db.stmts[query]
	full := len(db.stmts) >= maxStmts
	db.stmtMu.Unlock()
	if ok || full {
		return st
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared query reports the error
	}
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if cached, ok := db.stmts[query]; ok {
		st.Close()
		return cached
	}
	db.stmts[query] = st
	return st
}

// beginRead starts a read transaction, so that a page and its total come from one snapshot.
func (db *DB) beginRead(ctx context.Context) (*sql.Tx, error) {
	return db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

// stamp returns the current time from the clock, in UTC and without a monotonic
// reading, so that it equals the time read back.
func (db *DB) stamp() time.Time {
	return db.now().UTC()
}

// formatTime renders t in the stored form.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeFormat)
}

// nullTime renders t in the stored form, or NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// nullString stores "" as NULL, so that absent optional attributes are absent to filters too.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// parseTime reads a stored time; NULL or "" is the zero time.
func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeFormat, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s.String, err)
	}
	return t, nil
}

// storageFull returns err with EUNAVAILABLE (reason storage_full) in its
// chain when SQLite could not write for lack of space (SQLITE_FULL: the disk,
// or the file system's quota, is full). The write was not stored, and nothing
// else was undone: SQLite rolls the transaction back, the writer goes on with
// the next one, reads still work, and writes resume once space is freed.
// Other errors are returned as they are.
func storageFull(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_FULL {
		return err
	}
	return fmt.Errorf("%w: %w", &roster.Error{Code: roster.EUNAVAILABLE, Reason: "storage_full",
		Detail: "the database's disk is full: nothing was stored; retry later"}, err)
}

// constraintCode returns the extended SQLite result code of a constraint
// violation in err's chain, or 0.
func constraintCode(err error) int {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return 0
	}
	switch c := e.Code(); c {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return c
	}
	return 0
}

// isUnique reports whether err is a violated UNIQUE or PRIMARY KEY constraint.
func isUnique(err error) bool {
	c := constraintCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isPrimaryKey reports whether err is a violated PRIMARY KEY constraint.
func isPrimaryKey(err error) bool {
	return constraintCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a violated FOREIGN KEY constraint.
func isForeignKey(err error) bool {
	return constraintCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// tenantMissing is the error of a write naming a tenant that does not exist.
func tenantMissing(tenantID string) error {
	return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", tenantID)
}

// jsonArray renders ids as a JSON array, bound as one parameter and read with json_each.
func jsonArray(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids) // a []string always marshals
	return string(b)
}

// storeError passes a *roster.Error on (nil too) and wraps any other as
// the step's.
func storeError(step string, err error) error {
	var re *roster.Error
	if err == nil || errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", step, err)
}

// rollback ends tx when it was not committed; the error of a finished
// transaction is of no interest.
func rollback(tx *sql.Tx) {
	_ = tx.Rollback()
}

// dropStat4 empties sqlite_stat4, when ANALYZE made one.
func dropStat4(ctx context.Context, conn *sql.DB) error {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n)
	if err != nil || n == 0 {
		return err
	}
	_, err = conn.ExecContext(ctx, `DELETE FROM sqlite_stat4`)
	return err
}
