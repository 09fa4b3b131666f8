package postgres_test

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) roster.Store { return open(tb, testdb.Postgres(tb)) })
}
