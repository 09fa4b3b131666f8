package patch

import (
	"fmt"
)

// The scimType values of RFC 7644 §3.12 that this package returns.
const (
	invalidPath   = "invalidPath"
	noTarget      = "noTarget"
	invalidValue  = "invalidValue"
	mutability    = "mutability"
	invalidSyntax = "invalidSyntax"
	invalidFilter = "invalidFilter"
	tooMany       = "tooMany"
)

// Error is a PATCH request the server must refuse with HTTP 400. ScimType is the
// RFC 7644 §3.12 error type: invalidPath, noTarget, invalidValue, mutability,
// invalidSyntax, invalidFilter or tooMany. Op is the index of the offending
// operation in the request, or -1 when the request as a whole is at fault.
type Error struct {
	ScimType string
	Op       int
	Detail   string

	err error // cause, such as a *filter.Error; may be nil
}

func (e *Error) Error() string {
	if e.Op < 0 {
		return fmt.Sprintf("patch: %s: %s", e.ScimType, e.Detail)
	}
	return fmt.Sprintf("patch: operation %d: %s: %s", e.Op, e.ScimType, e.Detail)
}

// Unwrap returns the cause, such as the *filter.Error of a bad path.
func (e *Error) Unwrap() error { return e.err }

// errorf returns an *Error for operation op (-1 for none).
func errorf(scimType string, op int, format string, args ...any) *Error {
	return &Error{ScimType: scimType, Op: op, Detail: fmt.Sprintf(format, args...)}
}
