package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster"
)

// TestUnreachableCodes reads a lost connection from the errors' types and
// SQLSTATEs: the server's shutdown and start (57P01-57P03) and class 08 are
// EUNAVAILABLE; a statement's own failure, or a request cancelled, is not.
func TestUnreachableCodes(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, roster.EUNAVAILABLE},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, roster.EUNAVAILABLE},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, roster.EUNAVAILABLE},
		{"connection failure", &pgconn.PgError{Code: "08006"}, roster.EUNAVAILABLE},
		{"connection refused", fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), roster.EUNAVAILABLE},
		{"connect error", &pgconn.ConnectError{}, roster.EUNAVAILABLE},
		{"cut", fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), roster.EUNAVAILABLE},
		{"closed", pgconn.ErrConnClosed, roster.EUNAVAILABLE},
		{"unique violation", &pgconn.PgError{Code: "23505"}, roster.EINTERNAL},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, roster.EINTERNAL},
		{"query canceled", &pgconn.PgError{Code: "57014"}, roster.EINTERNAL},
		{"context canceled", context.Canceled, roster.EINTERNAL},
		{"not found", roster.Errorf(roster.ENOTFOUND, "no such user"), roster.ENOTFOUND},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := wrap("step", tt.err)
			if got := roster.ErrorCode(err); got != tt.want {
				t.Errorf("ErrorCode(wrap(%v)) = %q, want %q", tt.err, got, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("wrap(%v) lost its cause: %v", tt.err, err)
			}
		})
	}
}
