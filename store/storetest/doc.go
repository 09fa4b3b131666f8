// Package storetest is the one behaviour suite every Roster store must pass.
//
// A store's test calls Run with a function that opens a fresh, empty store on a
// real database (a SQLite file in t.TempDir(), a PostgreSQL schema of its own);
// every subtest opens its own. The suite writes each behaviour once: tenants,
// tokens, users (uniqueness, preconditions, concurrency, entitlements, unique
// values, retirement), groups and member batches, filters on hot columns,
// emails and JSON attributes, pagination and sorting, tenant isolation, delete
// cascades, the events of every write, and tenant policies and folders.
//
// The opened store's clock must move forward between calls (a ticking fake
// clock is best), so that creation order is time order. Stores keep times to
// the microsecond (PostgreSQL's precision); the suite's own times have no finer part.
package storetest
