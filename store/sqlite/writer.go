package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// maxGroup bounds how many writes share one transaction.
const maxGroup = 64

// groupWait is how long the writer waits for a group to grow as large as the
// one before it. Each commit writes the pages its writes share (the tails of
// the tables and of the time-ordered indexes) once more, so fewer, larger
// groups write less. Under 8 clients (readload, alternating runs), 200 µs
// took creates from 5,246-5,322 to 5,492-5,522 req/s and PATCHes from
// 4,044-4,369 to 4,184-4,710, and 48 to 45 KB written per create; 400 and
// 800 µs did no better.
const groupWait = 200 * time.Microsecond

// errClosed answers writes made after Close.
var errClosed = errors.New("store closed")

// writeRequest is one write waiting for the writer.
type writeRequest struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error // receives the write's outcome once its group committed or failed
	// stmts is the writer's statement cache, set by the writer as it takes the write.
	stmts *writeStmts
}

// write runs fn in the writer's transaction and returns fn's error, or the
// commit's; either is EUNAVAILABLE when the disk is full (storageFull). It
// returns only after the commit: a write it reports done is on disk. Concurrent writes share a transaction and its sync (group commit), each
// in a savepoint of its own, so one write's error undoes only that write.
//
// fn gets a context without ctx's cancellation (but with its values): an
// interrupted statement rolls back the whole transaction in SQLite, which
// would fail the other writes of the group. A write whose ctx ends before it
// starts does not run; once started, it runs to its end.
func (db *DB) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	r := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.writes <- r:
		return storageFull(<-r.done)
	case <-ctx.Done():
		return ctx.Err()
	case <-db.closing:
		return errClosed
	}
}

// exec runs one statement as a write and returns how many rows it changed.
func (db *DB) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := txExec(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// writer takes the writes queued, up to maxGroup, waiting up to groupWait
// for as many as its last group held, and commits them as one transaction; it
// returns when the store closes.
func (db *DB) writer() {
	defer close(db.writerDone)
	defer db.closeWriteStmts()
	group := make([]*writeRequest, 0, maxGroup)
	for {
		last := len(group)
		select {
		case r := <-db.writes:
			group = db.gather(append(group[:0], r), last)
		case <-db.closing:
			return
		}
		db.commit(group)
		db.prepareSeen()
	}
}

// gather adds the writes queued to group, up to maxGroup. While group holds
// fewer than want (the size of the group before: the writers it answered are
// likely sending their next writes), it waits for more, up to groupWait in all.
func (db *DB) gather(group []*writeRequest, want int) []*writeRequest {
	var timeout <-chan time.Time
collect:
	for len(group) < maxGroup {
		select {
		case r := <-db.writes:
			group = append(group, r)
			continue
		default:
		}
		if len(group) >= want {
			break
		}
		if timeout == nil {
			timeout = time.After(groupWait)
		}
		select {
		case r := <-db.writes:
			group = append(group, r)
		case <-timeout:
			break collect
		}
	}
	for _, r := range group {
		r.stmts = db.wstmts
	}
	return group
}

// commit runs the group's writes in one IMMEDIATE transaction, each in a
// savepoint, commits once, and then answers each write: its own error, or the
// commit's error when the commit failed (so nothing is reported done that is
// not on disk). When a savepoint cannot be rolled back to, the transaction
// is rolled back and every write of the group fails.
func (db *DB) commit(group []*writeRequest) {
	errs := make([]error, len(group))
	err := func() error {
		tx, err := db.conn.BeginTx(context.Background(), nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer rollback(tx)
		if len(group) == 1 {
			// Alone in the transaction, a write needs no savepoint: when it
			// fails, the transaction is rolled back.
			if errs[0] = run(tx, group[0]); errs[0] != nil {
				return nil
			}
		} else {
			for i, r := range group {
				if errs[i], err = runSavepoint(tx, r); err != nil {
					return fmt.Errorf("savepoint: %w", err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		db.commits.Add(1)
		return nil
	}()
	for i, r := range group {
		r.done <- cmp.Or(err, errs[i])
	}
}

// run runs r in tx, unless r's context ended before it started.
func run(tx *sql.Tx, r *writeRequest) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	return r.fn(withWriteStmts(context.WithoutCancel(r.ctx), r.stmts), tx)
}

// runSavepoint runs r in a savepoint of tx and returns r's error. The second
// error is a failure of the savepoint itself, after which tx cannot be trusted.
func runSavepoint(tx *sql.Tx, r *writeRequest) (fnErr, err error) {
	ctx := withWriteStmts(context.WithoutCancel(r.ctx), r.stmts)
	if _, err := txExec(ctx, tx, `SAVEPOINT request`); err != nil {
		return nil, err
	}
	if fnErr = run(tx, r); fnErr != nil {
		if _, err := txExec(ctx, tx, `ROLLBACK TO request`); err != nil {
			return fnErr, err
		}
	}
	_, err = txExec(ctx, tx, `RELEASE request`)
	return fnErr, err
}
