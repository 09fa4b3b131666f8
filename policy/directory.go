package policy

import (
	"maps"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// What a tenant's directory (roster.TenantSettings.Directory) changes in how
// Roster reads a document: where two directories send opposite things, the
// tenant's choice picks the reading. Every such rule is in fromDirectory,
// which Normalize applies before the schemas see the document, so that the
// SCIM API's creates, replaces, PATCHes and Bulk operations, and a policy's
// trial, read a document alike. docs/directories.md lists the rules.

// Enterprise10URN is the SCIM 1.1 enterprise extension, under which
// OneLogin's Enterprise User Schema template puts department and manager.
const Enterprise10URN = "urn:scim:schemas:extension:enterprise:1.0"

// Normalize validates a resource document of resourceType against the
// policy's registry and returns its canonical form: schema.Registry.Normalize
// with the policy's choice for unknown attributes, applied to the document as
// the tenant's directory d sends it. doc and prior are not modified. It fails
// with a *schema.Error as schema.Registry.Normalize does.
func (p *Policy) Normalize(d roster.Directory, resourceType string, doc, prior map[string]any, mode schema.Mode) (map[string]any, error) {
	doc, err := fromDirectory(d, resourceType, doc)
	if err != nil {
		return nil, err
	}
	return p.registry.Normalize(resourceType, doc, prior, schema.Options{Mode: mode, Unknown: p.unknown})
}

// fromDirectory returns doc as Roster reads it from directory d: doc itself
// when d reads like any other, else a copy.
func fromDirectory(d roster.Directory, resourceType string, doc map[string]any) (map[string]any, error) {
	if d == roster.DirectoryOneLogin && resourceType == "User" {
		return enterprise10(doc)
	}
	return doc, nil
}

// enterprise10 reads the SCIM 1.1 enterprise extension of OneLogin's
// Enterprise template as the SCIM 2.0 one (RFC 7643 §4.3): its attributes
// move under schema.EnterpriseUserURN, manager's managerId becomes its value
// (manager.displayName is read-only in 2.0, and dropped; a manager whose
// managerId is empty is none), and the 1.0 URN
// leaves "schemas". A document giving both extensions is refused, rather
// than one of them silently preferred.
func enterprise10(doc map[string]any) (map[string]any, error) {
	key, ext := "", map[string]any(nil)
	for k, v := range doc {
		if strings.EqualFold(k, Enterprise10URN) {
			key, ext = k, asObject(v)
		}
	}
	if ext == nil {
		return doc, nil // absent, or not an object: the schemas refuse it by name
	}
	for k := range doc {
		if strings.EqualFold(k, schema.EnterpriseUserURN) {
			return nil, &schema.Error{ScimType: "invalidSyntax", Attr: Enterprise10URN,
				Detail: Enterprise10URN + " and " + schema.EnterpriseUserURN + " are the same extension to this tenant (a OneLogin directory): give its attributes under one of them"}
		}
	}
	out := maps.Clone(doc)
	delete(out, key)
	ext = maps.Clone(ext)
	for k, v := range ext {
		if m := asObject(v); m != nil && strings.EqualFold(k, "manager") {
			if m = managerOf(m); m == nil {
				delete(ext, k)
				continue
			}
			ext[k] = m
		}
	}
	out[schema.EnterpriseUserURN] = ext
	for k, v := range out {
		if list, ok := v.([]any); ok && strings.EqualFold(k, "schemas") {
			out[k] = slices.DeleteFunc(slices.Clone(list), func(u any) bool {
				s, _ := u.(string)
				return strings.EqualFold(s, Enterprise10URN)
			})
		}
	}
	return out, nil
}

// managerOf is a SCIM 1.1 manager ({"managerId", "displayName"}) as SCIM 2.0
// names it ({"value", "displayName"}), nil when its managerId is empty or
// blank: the template's fields for a user without a manager, which is no
// manager (unassigned, RFC 7643 §2.5). One that has a value already is left
// as it is, for the schemas to refuse its managerId.
func managerOf(m map[string]any) map[string]any {
	for k := range m {
		if strings.EqualFold(k, "value") {
			return m
		}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if strings.EqualFold(k, "managerId") {
			if id, ok := v.(string); ok && strings.TrimSpace(id) == "" {
				return nil
			}
			k = "value"
		}
		out[k] = v
	}
	return out
}

// asObject returns v as a JSON object, nil when it is not one.
func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
