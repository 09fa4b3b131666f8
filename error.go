package roster

import (
	"errors"
	"fmt"
)

// Error codes. Every layer reports failures with one of these; the SCIM server maps
// each code to an HTTP status and a scimType in one table.
const (
	EINVALID       = "invalid"        // the request is malformed or a value is wrong (400 invalidValue)
	EINVALIDSYNTAX = "invalid_syntax" // the body is not valid JSON or not the expected structure (400 invalidSyntax)
	EINVALIDFILTER = "invalid_filter" // a filter does not parse or cannot be served (400 invalidFilter)
	EINVALIDPATH   = "invalid_path"   // a PATCH path does not parse or names nothing (400 invalidPath)
	EINVALIDCURSOR = "invalid_cursor" // a pagination cursor is not one the server issued (400 invalidCursor)
	ENOTARGET      = "no_target"      // a PATCH path matched nothing (400 noTarget)
	EMUTABILITY    = "mutability"     // a readOnly or immutable attribute was changed (400 mutability)
	ETOOMANY       = "too_many"       // too many results or operations (400 tooMany)
	ENOTFOUND      = "not_found"      // the resource does not exist in this tenant (404)
	ECONFLICT      = "conflict"       // a uniqueness constraint was violated (409 uniqueness)
	ECIRCULAR      = "circular"       // operations of a Bulk request reference each other's bulkId in a circle (409 invalidValue)
	EPRECONDITION  = "precondition"   // If-Match named a stale version (412)
	EUNAUTHORIZED  = "unauthorized"   // no valid credential (401)
	EFORBIDDEN     = "forbidden"      // the credential is good but the operator refuses the tenant's requests: it is disabled (403)
	ETOOLARGE      = "too_large"      // the request body exceeds the limit (413)
	ERATELIMIT     = "rate_limit"     // too many requests (429)
	EUNAVAILABLE   = "unavailable"    // the server is too busy, shutting down, or its store cannot be reached or is full; retry later (503 with Retry-After)
	EINTERNAL      = "internal"       // anything else (500); the detail is never shown to clients
)

// Error is Roster's error: a code from the list above and a detail a person can act on.
type Error struct {
	Code   string
	Detail string
	// Attr names the attribute the error is about, when there is one.
	Attr string
	// Reason is the code of the provisioning log's catalog (docs/errors.md) that
	// explains the failure, when a more precise one than Code's default applies.
	Reason string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Detail == "" {
		return "roster: " + e.Code
	}
	return e.Detail
}

// Errorf returns an *Error with the given code and a formatted detail.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a nil error
// and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorDetail returns the detail of the first *Error in err's chain, or a generic
// text for internal errors, whose causes are never shown to clients.
func ErrorDetail(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Detail
	}
	return "internal error"
}
