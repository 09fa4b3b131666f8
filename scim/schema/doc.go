// Package schema is Roster's SCIM schema registry (RFC 7643): the core User
// and Group schemas, the enterprise and Workspace ONE Broker (ws1b) User
// extensions, and the extensions a tenant adds at run time, such as Entra
// ID's custom attributes under
// "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName".
//
// A Registry is immutable and safe for concurrent use. New returns the
// default registry; WithExtension returns a copy with one more extension, so
// a server can build one registry per tenant from the default and swap it
// atomically.
//
// An extension is typed, its attributes listed with their characteristics,
// or open (Schema.Open): any key is accepted under it and every value is
// stored as a string, for tenants whose IdP sends attributes nobody declared.
//
// Attribute characteristics (RFC 7643 §2.2) drive everything the registry
// does with a document:
//   - Normalize validates an incoming resource (a POST or PUT body, or a
//     document after PATCH) and returns its canonical form: canonical
//     attribute names, extension attributes under their URN, "schemas"
//     rewritten, read-only and write-only attributes removed, Entra ID's
//     string booleans converted, unassigned values dropped. Failures are
//     *Error values carrying the RFC 7644 §3.12 scimType the server answers
//     with.
//   - Project applies the attributes and excludedAttributes query parameters
//     and the "returned" characteristic to a stored document.
//   - Lookup and CaseExact tell the store and the filter compiler how to
//     compare an attribute's values.
//   - SchemaDoc and ResourceTypeDoc render /Schemas and /ResourceTypes.
//
// Documents are map[string]any as encoding/json decodes them; numbers may be
// float64 or json.Number. The package knows nothing of HTTP, storage or
// tenants.
package schema
