package sqlite

import (
	"context"
	"time"
)

// checkpointEvery is how often the checkpointer copies what the writer
// committed to the WAL into the database file. At a few thousand writes a
// second the WAL then holds about as many pages as SQLite's automatic
// checkpoint lets it (1,000).
const checkpointEvery = 250 * time.Millisecond

// writerCheckpointPages is the writer connection's wal_autocheckpoint: it
// checkpoints only what the checkpointer has not copied yet, once the WAL
// holds this many pages.
const writerCheckpointPages = 4000

// checkpointer copies the WAL into the database file on a connection of its
// own, every checkpointEvery that saw a commit, until the store closes.
//
// With SQLite's default, the writer's connection checkpointed inside the
// commit of every thousandth page, writing pages and syncing the database file
// while the whole group waited: 12% of the server's CPU and a sixth of the
// writer's under a stream of creates. A PASSIVE checkpoint takes no lock that
// writers or readers wait for, so here it runs beside the writer, on the other
// core.
//
// The writer still checkpoints, at writerCheckpointPages, because only a
// checkpoint that reaches the WAL's end lets the next write start the WAL
// over: under a steady stream of writes the checkpointer never does, and the
// WAL grew by 180 MB a second. The writer's checkpoint then copies only the
// pages committed since the checkpointer's last one.
func (db *DB) checkpointer() {
	defer close(db.checkpointDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var done int64
	var warned time.Time // a failing checkpoint is logged once a minute, not four times a second
	for {
		select {
		case <-db.closing:
			return
		case <-t.C:
		}
		n := db.commits.Load()
		if n == done {
			continue
		}
		done = n
		if err := db.checkpoint(); err != nil && time.Since(warned) >= time.Minute {
			warned = time.Now()
			db.log.Warn("sqlite: checkpoint failed; the writer's own checkpoints still bound the WAL", "err", err)
		}
	}
}

// checkpoint runs one PASSIVE checkpoint: it copies the WAL's frames that no
// reader still needs, and never waits.
func (db *DB) checkpoint() error {
	var busy, frames, copied int
	return db.ckpt.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
}
