package sqlite

import (
	"context"
	"testing"
	"time"
)

// BenchmarkPruneEventsNoneOld measures an event pruner's run over 200,000
// events none of which is old enough, as on every run of a database younger
// than the retention and on the last batch of every run: the run must read
// the oldest events only, not the whole table, as it holds the writer.
func BenchmarkPruneEventsNoneOld(b *testing.B) {
	db := openInternal(b)
	ctx := context.Background()
	now := time.Now()
	if _, err := db.conn.ExecContext(ctx, `
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
		INSERT INTO events (id, tenant_id, type, resource_type, resource_id, payload, created)
		SELECT 'e' || i, 't', 'user.created', 'User', 'u' || i, '{}', ? FROM n`, formatTime(now)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if n, err := db.PruneEvents(ctx, now.Add(-time.Hour)); err != nil || n != 0 {
			b.Fatalf("PruneEvents = %d, %v; want 0", n, err)
		}
	}
}
