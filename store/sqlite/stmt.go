package sqlite

import (
	"context"
	"database/sql"
)

// The writer's statements. Every write runs in a transaction on the one
// writer connection, and a statement executed by its text is parsed again
// each time: a fifth of the writer's CPU went to SQLite's parser. The writer
// remembers the statements its writes ran and, between transactions (when the
// connection is free), prepares them on the connection; later writes use the
// prepared statement through tx.StmtContext, which database/sql serves from
// the connection without preparing again.

// writeStmts is the writer connection's statement cache. Only the writer
// goroutine touches it.
type writeStmts struct {
	prepared map[string]*sql.Stmt
	seen     map[string]bool // run by text, to be prepared after the transaction
}

type writeStmtsKey struct{}

// withWriteStmts gives the writes of a transaction the writer's statements.
func withWriteStmts(ctx context.Context, ws *writeStmts) context.Context {
	return context.WithValue(ctx, writeStmtsKey{}, ws)
}

// writeStmt returns the prepared statement for query in tx, or nil when there is
// none yet (the query is then noted, to be prepared after the transaction).
func writeStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	ws, _ := ctx.Value(writeStmtsKey{}).(*writeStmts)
	if ws == nil {
		return nil // a read transaction, or a write outside the writer
	}
	if st, ok := ws.prepared[query]; ok {
		return tx.StmtContext(ctx, st)
	}
	if len(ws.prepared)+len(ws.seen) < maxStmts {
		ws.seen[query] = true
	}
	return nil
}

// txExec is tx.ExecContext through the writer's statement cache.
func txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := writeStmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQuery is tx.QueryContext through the writer's statement cache.
func txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := writeStmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// txQueryRow is tx.QueryRowContext through the writer's statement cache.
func txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := writeStmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// prepareSeen prepares on the writer connection the statements the last
// transaction ran by text. It runs between transactions, when the connection
// is free; a statement that fails to prepare is left to run by text.
func (db *DB) prepareSeen() {
	ws := db.wstmts
	for q := range ws.seen {
		delete(ws.seen, q)
		st, err := db.conn.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		ws.prepared[q] = st
	}
}

// closeWriteStmts closes the writer's prepared statements.
func (db *DB) closeWriteStmts() {
	for q, st := range db.wstmts.prepared {
		st.Close()
		delete(db.wstmts.prepared, q)
	}
}
