package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

//go:embed logmigrations/*.sql
var logMigrations embed.FS

// LogFile returns the name of the provisioning log's file beside the database
// file path: roster.db → roster-log.db.
func LogFile(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-log" + ext
}

// openLog opens the provisioning log's own file, with its own writer and
// readers, and migrates it. Its writes never wait for SCIM writes, nor SCIM
// writes for them. It syncs less often (synchronous=NORMAL in WAL mode): a
// power cut may lose the last rows of the log, never a SCIM write.
func (db *DB) openLog(ctx context.Context, path string) error {
	file := LogFile(path)
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=synchronous(NORMAL)", busyTimeout.Milliseconds())
	// The writer merges keys at random places of the log_keys index: a page
	// cache of 8 MB (instead of 2 MB) saves it most of the reads, and a
	// checkpoint every 10,000 pages (instead of 1,000) writes a page that
	// changed many times once. Since keys are merged in batches, a 32 MB
	// cache gained nothing measurable (19 against 20 µs of CPU per entry in
	// BenchmarkProvisioningLogWriter) and kept 24 MB more in memory.
	if err := createPrivate(file); err != nil {
		return fmt.Errorf("sqlite: open log: %w", err)
	}
	var err error
	if db.logw, err = sql.Open("sqlite", file+"?"+pragmas+"&_pragma=journal_mode(WAL)&_pragma=cache_size(-8192)&_pragma=wal_autocheckpoint(10000)&_txlock=immediate"); err != nil {
		return fmt.Errorf("sqlite: open log: %w", err)
	}
	db.logw.SetMaxOpenConns(1)
	db.logw.SetConnMaxIdleTime(0)
	fsys, err := fs.Sub(logMigrations, "logmigrations")
	if err != nil {
		return fmt.Errorf("sqlite: open log: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.logw, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithSlog(db.log))
	if err != nil {
		return fmt.Errorf("sqlite: open log: %w", err)
	}
	if err := db.upWithRetry(ctx, p); err != nil {
		return fmt.Errorf("sqlite: migrate log: %w", err)
	}
	if db.logr, err = sql.Open("sqlite", file+"?"+pragmas+"&_pragma=query_only(1)"); err != nil {
		return fmt.Errorf("sqlite: open log: %w", err)
	}
	db.logr.SetMaxIdleConns(2)
	return nil
}

// upWithRetry applies pending migrations. When several processes open a new
// file at once they race for each migration; a loser tries again (the file's
// write lock orders them) until nothing is pending.
func (db *DB) upWithRetry(ctx context.Context, p *goose.Provider) error {
	for attempt := 1; ; attempt++ {
		results, err := p.Up(ctx)
		for _, r := range results {
			if r.Error == nil {
				db.log.InfoContext(ctx, "sqlite migration applied", "version", r.Source.Version, "duration", r.Duration)
			}
		}
		if err == nil {
			return nil
		}
		if pending, perr := p.HasPending(ctx); perr == nil && !pending {
			return nil // another process finished the work
		}
		if attempt == 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
	}
}
