package roster

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEntry is one operator action, as the audit trail keeps it. It never
// holds a secret: a token appears by its id and prefix at most.
type AuditEntry struct {
	ID   int64
	Time time.Time
	// Actor says who acted, as "kind:name": "cli:<OS user>@<host>" for the
	// command line, "server:<host>" for what a server does by itself (first
	// start); the console's operators will be "operator:<id>".
	Actor string
	// Source is the client address the action came from, "" when not known
	// (the command line).
	Source   string
	Action   string // "tenant.create", "token.revoke", …
	TenantID string // "" for an action on no tenant
	// Tenant is the tenant's name when the action happened, kept after the
	// tenant is renamed or deleted.
	Tenant string
	Target string // what was acted on within the tenant, e.g. a token id; "" for the tenant itself
	// Before and After are the settings the action changed, as JSON objects;
	// nil for none (a create has no Before, a delete no After).
	Before json.RawMessage
	After  json.RawMessage
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	// Tenant is a tenant's id or name ("" for every entry): entries of a
	// deleted tenant are still found by its name.
	Tenant string
	// Before keeps the entries with a smaller ID: the previous page's last
	// (keyset paging, newest first); 0 starts at the newest.
	Before int64
	Limit  int
}

// AuditStore keeps the audit trail. Its rows are never updated, and deleting
// a tenant keeps them.
type AuditStore interface {
	// AppendAudit stores e, filling ID.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// Audit returns the entries q selects, newest first, at most q.Limit.
	Audit(ctx context.Context, q AuditQuery) ([]*AuditEntry, error)
}
