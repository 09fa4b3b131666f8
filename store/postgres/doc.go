// Package postgres is Roster's store on PostgreSQL, for deployments that run
// several Roster instances on one database.
//
// It implements the same interfaces as the SQLite store and passes the same
// suite (store/storetest). Every table is keyed by tenant first; hot attributes
// live in indexed columns (case-insensitive ones indexed by lower()), the rest in
// a jsonb document. Every write is one transaction that inserts its events
// without a sequence number; once it has committed, the sequencer numbers the
// committed events, one run at a time across instances, and readers read only
// numbered events, so events become visible in sequence order without writers
// waiting on each other's commits (sequence.go). Writes that lose a deadlock
// or a serialization check are retried.
package postgres
