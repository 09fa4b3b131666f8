// Package postgres is Roster's store on PostgreSQL, for deployments that run
// several Roster instances on one database.
//
// It implements the same interfaces as the SQLite store and passes the same
// suite (store/storetest). Every table is keyed by tenant first; hot attributes
// live in indexed columns (case-insensitive ones indexed by lower()), the rest in
// a jsonb document. Every write is one transaction that appends its events; the
// event sequence is taken under a transaction-level advisory lock, so events
// become visible in sequence order. Writes that lose a deadlock or a
// serialization check are retried.
package postgres
