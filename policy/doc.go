// Package policy turns a tenant's provisioning policy, a versioned JSON
// document, into what Roster applies on every SCIM write of a user: the
// tenant's schema registry (custom extensions, open extensions, the Roster
// extension), what becomes of unknown attributes, allowed values, required
// and unique attributes, folder resolution, the deprovisioning choice, and
// the entitlements (app-active, licenses, access role) the user's roles grant;
// for groups, whether a group holds its displayName in the tenant.
//
// When a tenant's policy changes, Impact says what it does to the existing
// users, and a Recomputer, run by every server, brings their entitlements in
// line in the background (one server per tenant, under a lease).
//
// A Policy is immutable and safe for concurrent use. It never changes the
// document the IdP wrote: its effects are returned beside it, so that the IdP
// reads back exactly what it sent.
package policy
