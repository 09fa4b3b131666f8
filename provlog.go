package roster

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LogEntry is one row of the provisioning log: one SCIM request, what Roster
// made of it and how it ended. It lets an IdP admin and an operator match
// Roster's records to the IdP's own log by id, externalId, userName, action
// and time.
type LogEntry struct {
	ID        int64 // orders the log; assigned by the store
	TenantID  string
	Time      time.Time
	Latency   time.Duration
	RequestID string
	Method    string
	Route     string // the route pattern, e.g. "PATCH /scim/v2/Users/{id}"
	Query     string // filter, attributes, paging, as sent
	// Action is what Roster derived: test-connection, lookup, get, list,
	// create, update, replace, deactivate, reactivate, delete, members-add,
	// members-remove, discovery.
	Action       string
	ResourceType string
	ResourceID   string
	ExternalID   string
	Name         string // the userName of a user, the displayName of a group
	Status       int
	ScimType     string
	// Reason is a code of the catalog (docs/errors.md) for every failure.
	Reason      string
	TokenPrefix string
	TokenName   string
	// Changes maps each changed top-level attribute to {"old": …, "new": …}.
	Changes  json.RawMessage
	Request  string // the request body, secrets redacted, size capped
	Response string // the response body, likewise
	// Sensitive names the attributes of the tenant's schemas that are never
	// returned (RFC 7643 §2.2), whose values the bodies and Changes must not
	// keep besides the usual secrets. It is the redaction's input; stores do
	// not keep it.
	Sensitive []string
}

// NewRequestID returns an id for a request: 24 hex digits, the first 8 the
// Unix time in seconds of now, the other 16 random. Carrying its time, an id
// can be found in the provisioning log by the time of its request, so the log
// need not index it (see RequestIDTime).
func NewRequestID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	rand.Read(b[4:]) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b[:])
}

// RequestIDTime returns the time an id made by NewRequestID carries, to the
// second; false when id does not have its form. A client may send an id of
// that form too: whoever relies on the time checks it against the request's.
func RequestIDTime(id string) (time.Time, bool) {
	if len(id) != 24 {
		return time.Time{}, false
	}
	for i := range len(id) {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return time.Time{}, false
		}
	}
	secs, _ := strconv.ParseUint(id[:8], 16, 32) // hex digits, checked above
	return time.Unix(int64(secs), 0), true
}

// LogQuery selects rows of the provisioning log.
type LogQuery struct {
	TenantID    string    // "": every tenant (and requests no tenant could be found for)
	Since       time.Time // only rows at or after
	Until       time.Time // only rows before; zero: no bound
	Action      string
	Method      string // only this HTTP method, as sent ("PATCH")
	StatusClass int    // 4 for 4xx, 2 for 2xx…; 0: any
	Status      int    // only this status (409); 0: any
	Failed      bool   // only failures: status 400 and above
	Reason      string // only this reason code (docs/errors.md)
	User        string // a resource id, externalId or userName
	RequestID   string
	Before      int64 // only rows with a smaller ID (paging newest first); 0: none
	After       int64 // only rows with a greater ID (paging oldest first)
	Oldest      bool  // oldest first instead of newest first
	Limit       int

	// Unattributed selects only the rows no tenant could be found for: the
	// requests refused before authentication. TenantID is then "".
	Unattributed bool
	// TokenPrefixes, when not empty, selects only the rows whose token
	// prefix is one of them.
	TokenPrefixes []string
	// SCIM selects only the rows of SCIM requests: not those of sign-ins
	// (SignInActions).
	SCIM bool
}

// SignInActions are the actions of the provisioning log's rows of sign-ins
// and of the host app's userinfo calls; every other row is a SCIM request's.
var SignInActions = []string{"sign-in", "userinfo"}

// LogStore keeps the provisioning log.
type LogStore interface {
	// AppendLog stores the entries, filling their IDs.
	AppendLog(ctx context.Context, entries []*LogEntry) error
	// Log returns the rows q selects.
	Log(ctx context.Context, q LogQuery) ([]*LogEntry, error)
	// PruneLog deletes the rows older than before and returns how many. A store
	// may keep an old row until every row appended with it is old too.
	PruneLog(ctx context.Context, before time.Time) (int64, error)
	// RecordRun notes when the maintenance task name last ran and what it did.
	RecordRun(ctx context.Context, name string, at time.Time, detail string) error
	// LastRun returns when name last ran and what it did; the zero time when never.
	LastRun(ctx context.Context, name string) (time.Time, string, error)
}

// Matches reports whether e is selected by q's conditions on its fields
// (not by Limit or order): for stores that filter entries themselves.
func (q LogQuery) Matches(e *LogEntry) bool {
	switch {
	case q.TenantID != "" && e.TenantID != q.TenantID,
		q.Unattributed && e.TenantID != "",
		len(q.TokenPrefixes) > 0 && !slices.Contains(q.TokenPrefixes, e.TokenPrefix),
		q.SCIM && slices.Contains(SignInActions, e.Action),
		!q.Since.IsZero() && e.Time.Before(q.Since),
		!q.Until.IsZero() && !e.Time.Before(q.Until),
		q.Action != "" && e.Action != q.Action,
		q.Method != "" && e.Method != q.Method,
		q.StatusClass > 0 && e.Status/100 != q.StatusClass,
		q.Status > 0 && e.Status != q.Status,
		q.Failed && e.Status < 400,
		q.Reason != "" && e.Reason != q.Reason,
		q.RequestID != "" && e.RequestID != q.RequestID,
		q.Before > 0 && e.ID >= q.Before,
		q.After > 0 && e.ID <= q.After:
		return false
	}
	if q.User != "" {
		return e.ResourceID == q.User || e.ExternalID == q.User || strings.EqualFold(e.Name, q.User)
	}
	return true
}
