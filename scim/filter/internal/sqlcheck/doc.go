// Package sqlcheck holds the differential test of the filter package: it loads sample
// documents into a real SQLite database, and into a real PostgreSQL database when
// ROSTER_TEST_POSTGRES names a server, laid out as Roster's stores lay out users and
// groups, runs many filters both through filter.Compile and filter.Match, and requires
// the same results but for the listed exceptions. It lives apart so that package
// filter never imports database/sql or a driver.
package sqlcheck
