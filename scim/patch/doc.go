// Package patch applies SCIM PATCH operations (RFC 7644 §3.5.2) to a resource
// document, accepting every form Microsoft Entra ID sends.
//
// A request is handled in three steps: Decode parses and checks the PatchOp
// body; ExtractValues takes the operations on a group's members out, so that
// the server changes membership rows without loading the member list; Apply
// applies the rest to a copy of the stored document, all or nothing.
//
// Documents are map[string]any as encoding/json decodes them. Attribute names
// are case-insensitive (RFC 7643 §2.1): keys are looked up exactly, then in
// any case, and an updated key keeps its spelling. Extension attributes live
// under their schema URN key; a path prefixed with a core schema URN names a
// top-level attribute.
//
// # Operations
//
// add sets a single-valued attribute, appends to a multi-valued one (skipping
// values already present) and merges sub-attributes into a complex one.
// Without a path its value is an object whose keys are attribute names or
// whole paths, each applied as its own path; a schema URN key holding an
// object applies its keys under that schema.
//
// replace sets the attribute, adding it when absent; a multi-valued attribute
// without filter gets the whole new list; a value path replaces the matching
// elements, or their sub-attribute. Replacing a complex value merges
// sub-attributes as §3.5.2.3 says, except that a value naming a different
// "value" (a new manager, a new reference) replaces the object whole, so no
// $ref or display of the old reference survives.
//
// remove needs a path (noTarget otherwise, §3.5.2.2); a value path removes the
// matching elements; an attribute left without values is removed. Removing
// something absent is not an error. A remove of a multi-valued attribute with
// a value removes the elements whose "value" equals a given one.
//
// JSON null as a value unassigns (RFC 7643 §2.5). When an operation makes an
// element primary, the other elements of that attribute lose primary
// (RFC 7643 §2.4).
//
// An attribute that Options.Attr marks AnyValue, a key of an open schema
// extension, takes any JSON value: add and replace set it whole (an array
// does not append, an object does not merge), remove unassigns it, and a path
// naming a sub-attribute or a value filter of it is invalidPath. A name
// without a schema URN never resolves to one.
//
// # What Microsoft Entra ID sends
//
// These forms are accepted; testdata/entra and testdata/entra-roles hold the
// bodies Microsoft documents, replayed by the tests:
//
//   - op names in any case: "Add", "Replace", "Remove".
//   - booleans as strings, "True" and "False" in any case, for attributes and
//     sub-attributes of type boolean: {"op":"Replace","path":"active","value":"False"},
//     {"op":"Replace","value":{"active":"False"}}, roles[primary eq "True"].
//   - replace without path whose object mixes names and paths:
//     {"displayName":…, "name.givenName":…, "urn:…:enterprise:2.0:User:employeeNumber":…}.
//   - value paths on attributes that have no matching element yet (see below).
//   - the enterprise manager as a plain id string ("value":"id" becomes
//     {"value":"id"}), as a one-element array of references, and removed without
//     a value; also with the bare path "manager": a name that the core schema
//     does not know but an extension listed in schemas (or the enterprise one)
//     does names that extension's attribute.
//   - complex values sent as a string holding JSON, such as
//     "value":["{\"primary\":false,\"value\":\"Admin\"}"] for roles, are
//     decoded. A sub-attribute holding such a string is not: the role mapping
//     expressions AppRoleAssignmentsComplex and SingleAppRoleAssignment send
//     {"value":"{\"id\":…,\"value\":\"Admin\",\"displayName\":\"Admin\"}"},
//     and the role's value is the string Entra ID wrote (testdata/entra-roles).
//   - group members added and removed in batches with path "members" and an
//     array of {"value":"id"}, or removed with members[value eq "id"].
//
// # Departures from RFC 7644
//
// RFC 7644 §3.5.2.3 answers noTarget when a replace's value filter matches no
// element. Entra replaces emails[type eq "work"].value on users that have no
// work email yet and expects the email to be created, so when the filter is
// one or more "attr eq value" joined by "and" (type eq "work",
// primary eq "True"), Apply adds an element holding those attributes and the
// value. Any other filter that matches nothing is still noTarget. add with a
// value path, which the RFC leaves undefined and Entra sends, behaves the same.
//
// # Mutability
//
// Changing a readOnly attribute, or an immutable one that has a different
// value already, is a mutability error (RFC 7644 §3.5.2); an operation that
// leaves such an attribute as it was is accepted, so that a client echoing a
// resource does not fail. id and meta are readOnly even when Options.Attr does
// not describe them. schemas is an ordinary multi-valued string attribute that
// a client may edit; Apply itself lists an extension URN in schemas when it
// creates that extension's object.
package patch
