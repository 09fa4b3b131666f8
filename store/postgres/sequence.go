package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Events are numbered after their writers commit, not as they are inserted.
// A writer inserts its events with no seq, each taking the next pos (a
// sequence, read at insert time); the sequencer then gives the events that
// have committed and have no seq the next seqs, in pos order, in one short
// transaction under an advisory lock, so that one sequencer runs at a time
// across instances. Readers read only events with a seq, and a run's seqs are
// all above the previous run's and become visible at once, after them: a
// reader that sees seq n sees every event below n, however late a writer
// commits, and no writer's commit waits on another's (migration 00028).
//
// A write that had to wait for another (a row lock, a member read FOR KEY
// SHARE) inserts its events after the other committed, so it takes a greater
// pos and is numbered after it, in the same run or a later one. An aborted
// write's events are never seen. Events committed but not numbered when their
// process stops are numbered by the next run of any instance.

// sequenceLock is the key of the advisory lock one sequencer run holds.
const sequenceLock = 0x526f73536571 // "RosSeq"

// sequenceEvery is how often the sequencer looks for events committed and not
// numbered: those of an instance that stopped between a commit and its run,
// or of a run that failed. Each instance numbers its own writes at once.
const sequenceEvery = 500 * time.Millisecond

// sequenceBatch bounds the events one transaction numbers.
const sequenceBatch = 10000

// sequencer numbers this process's committed events, a run at a time: the
// writers that committed while a run was under way are served together by
// the next run. It runs on a connection of its own, outside the pool, so that
// a run never queues for a connection behind the writers waiting for it.
type sequencer struct {
	config *pgx.ConnConfig
	conn   *pgx.Conn // nil until the first run, and after an error
	log    *slog.Logger
	kick   chan struct{} // a writer waits for a run
	stop   chan struct{} // closed when the loop has ended

	mu sync.Mutex
	// next is closed when the next run (one that has not started yet) ends;
	// nil when no writer waits for it.
	next chan struct{}
}

func newSequencer(pool *pgxpool.Pool, log *slog.Logger) *sequencer {
	return &sequencer{config: pool.Config().ConnConfig.Copy(), log: log, kick: make(chan struct{}, 1), stop: make(chan struct{})}
}

// wait returns once a run that started after the call has ended, so that the
// events the caller committed before it are numbered (unless the run failed:
// the next poll numbers them), when ctx ends, or when the sequencer stopped.
func (s *sequencer) wait(ctx context.Context) {
	s.mu.Lock()
	if s.next == nil {
		s.next = make(chan struct{})
	}
	done := s.next
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
	select {
	case <-done:
	case <-ctx.Done():
	case <-s.stop:
	}
}

// loop runs the sequencer when a writer waits and every sequenceEvery until
// ctx ends.
func (s *sequencer) loop(ctx context.Context) {
	defer close(s.stop)
	defer s.close()
	tick := time.NewTicker(sequenceEvery)
	defer tick.Stop()
	for {
		polled := false
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-tick.C:
			polled = true
		}
		s.mu.Lock()
		done := s.next
		s.next = nil
		s.mu.Unlock()
		if err := s.run(ctx, polled && done == nil); err != nil && ctx.Err() == nil {
			s.log.Error("postgres: number events", "err", err)
		}
		if done != nil {
			close(done)
		}
	}
}

// run numbers every committed event that has no seq. With idle, it first
// checks, without the lock, that there is one. After an error, the next run
// connects again.
func (s *sequencer) run(ctx context.Context, idle bool) error {
	err := s.numberAll(ctx, idle)
	if err != nil {
		s.close()
	}
	return wrap("number events", err)
}

func (s *sequencer) numberAll(ctx context.Context, idle bool) error {
	if s.conn == nil {
		conn, err := pgx.ConnectConfig(ctx, s.config)
		if err != nil {
			return err
		}
		s.conn = conn
	}
	if idle {
		var waiting bool
		err := s.conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM events WHERE seq IS NULL)`).Scan(&waiting)
		if err != nil || !waiting {
			return err
		}
	}
	for {
		n, err := s.number(ctx)
		if err != nil || n < sequenceBatch {
			return err
		}
	}
}

// close closes the sequencer's connection, if any.
func (s *sequencer) close() {
	if s.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.conn.Close(ctx)
		s.conn = nil
	}
}

// number gives at most sequenceBatch committed events without a seq the seqs
// after outbox_state.sequenced, in pos order, in one transaction, and returns
// how many. The two statements go in one round trip and run in one implicit
// transaction, which holds the lock until it commits; the statement takes its
// snapshot once it has the lock, after the previous run's commit: two runs
// never number one event.
func (s *sequencer) number(ctx context.Context) (int64, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, int64(sequenceLock))
	b.Queue(`
		WITH waiting AS MATERIALIZED (
			SELECT id, row_number() OVER (ORDER BY pos) AS n
			FROM events WHERE seq IS NULL ORDER BY pos LIMIT $1),
		last AS (
			UPDATE outbox_state SET sequenced = sequenced + (SELECT count(*) FROM waiting)
			WHERE EXISTS (SELECT FROM waiting)
			RETURNING sequenced - (SELECT count(*) FROM waiting) AS base)
		UPDATE events e SET seq = last.base + waiting.n
		FROM waiting, last WHERE e.id = waiting.id`, sequenceBatch)
	br := s.conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return 0, err
	}
	tag, err := br.Exec()
	if err != nil {
		br.Close()
		return 0, err
	}
	return tag.RowsAffected(), br.Close()
}
