// Package sqlite is Roster's store on SQLite (modernc.org/sqlite, no cgo).
//
// One file holds everything, in WAL mode with synchronous=FULL, so an
// acknowledged write survives a crash. Writes go to one writer goroutine on a
// single connection (see DB.write): it takes the writes queued, up to 64,
// runs each in a savepoint of one transaction and commits them together, so
// concurrent writes share one sync and each still gets its own outcome. Its
// transactions begin IMMEDIATE: they wait for the file's write lock
// (busy_timeout 10s, also against other processes such as the CLI) and never
// fail upgrading a read lock. Reads use a separate pool and see a snapshot
// without waiting for the writer.
//
// Every table is keyed by tenant_id first. Hot attributes (userName, externalId,
// displayName, active, emails, members) are indexed columns or side tables;
// everything else is read from the JSON document. Filters become SQL through
// scim/filter's compiler with the Mapping in filter.go. Times are stored as
// fixed-width UTC text, so lexical order is time order.
//
// Each write is atomic: the resource, its emails or member rows, and its
// outbox event commit together or not at all. Uniqueness is enforced by constraints,
// mapped to roster.ECONFLICT by the driver's result code; a user's unique values
// are inserted with ON CONFLICT DO NOTHING, and a value left out is the conflict.
package sqlite
