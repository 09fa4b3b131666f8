package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// TestCommitGroup commits one group by hand: a write that fails after writing
// is undone alone, a write whose context ended before it started does not
// run, and the others are committed, each answered with its own outcome.
func TestCommitGroup(t *testing.T) {
	db := openInternal(t)
	insert := func(name string) func(context.Context, *sql.Tx) error {
		return func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, created) VALUES (?, ?, '')`, name, name)
			return err
		}
	}
	failAfterWriting := errors.New("failed after writing")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	group := []*writeRequest{
		{ctx: ctx, fn: insert("a")},
		{ctx: ctx, fn: func(ctx context.Context, tx *sql.Tx) error {
			if err := insert("b")(ctx, tx); err != nil {
				return err
			}
			return failAfterWriting
		}},
		{ctx: ctx, fn: insert("a")}, // taken by the first write of the group
		{ctx: canceled, fn: insert("c")},
		{ctx: ctx, fn: insert("d")},
	}
	for _, r := range group {
		r.done = make(chan error, 1)
	}
	db.commit(group)
	want := []func(error) bool{
		func(err error) bool { return err == nil },
		func(err error) bool { return errors.Is(err, failAfterWriting) },
		isUnique,
		func(err error) bool { return errors.Is(err, context.Canceled) },
		func(err error) bool { return err == nil },
	}
	for i, r := range group {
		if err := <-r.done; !want[i](err) {
			t.Errorf("write %d = %v", i, err)
		}
	}
	var names string
	err := db.read.QueryRowContext(ctx, `SELECT group_concat(name, ',') FROM (SELECT name FROM tenants ORDER BY name)`).Scan(&names)
	if err != nil || names != "a,d" {
		t.Errorf("tenants after the group = %q, %v; want a,d", names, err)
	}
}

// TestWriteAfterClose checks that a write made after Close fails instead of waiting.
func TestWriteAfterClose(t *testing.T) {
	db := openInternal(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err := db.write(context.Background(), func(context.Context, *sql.Tx) error { return nil })
	if !errors.Is(err, errClosed) {
		t.Errorf("write after Close = %v, want %v", err, errClosed)
	}
}
