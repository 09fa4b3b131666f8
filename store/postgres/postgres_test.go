package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/storetest"
)

// tickingClock returns a clock that moves forward by a little over a millisecond
// on every call, so that creation order is time order.
func tickingClock() roster.Clock {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond + time.Microsecond)
		return now
	}
}

func open(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, postgres.Options{Clock: tickingClock()})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) roster.Store {
		return open(t, testdb.Postgres(t))
	})
}
