package filter

import "strings"

// Type is the data type of an attribute (RFC 7643 §2.3).
type Type int

// Attribute types.
const (
	String Type = iota
	Boolean
	Decimal
	Integer
	DateTime
	Reference
	Binary
	Complex
)

var typeNames = [...]string{String: "string", Boolean: "boolean", Decimal: "decimal",
	Integer: "integer", DateTime: "dateTime", Reference: "reference", Binary: "binary", Complex: "complex"}

// String returns the type's name as RFC 7643 spells it.
func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return "Type(?)"
	}
	return typeNames[t]
}

// Attr is what the evaluator and the SQL compiler need to know of an attribute; callers
// adapt their schema to it.
type Attr struct {
	Type        Type
	CaseExact   bool
	MultiValued bool
}

// Resolver describes an attribute by its full path. For a sub-attribute inside brackets,
// such as the "type" in emails[type eq "work"], it is called with
// AttrPath{Name: "emails", Sub: "type"} (and the parent's URN). ok=false means unknown:
// the attribute is then a case-insensitive string and multi-valuedness is inferred from
// the data. A nil Resolver knows no attribute.
type Resolver func(p AttrPath) (a Attr, ok bool)

func (r Resolver) attr(p AttrPath) (Attr, bool) {
	if r == nil {
		return Attr{}, false
	}
	return r(p)
}

// Core schema URNs. Used as a prefix of an attribute path they name top-level attributes
// (RFC 7644 §3.10).
const (
	UserURN  = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// isCoreURN reports whether urn names a core schema, whose attributes are top-level.
func isCoreURN(urn string) bool {
	return strings.EqualFold(urn, UserURN) || strings.EqualFold(urn, GroupURN)
}

// lookup returns m[key], trying the exact key first and then any key equal under case
// folding (SCIM attribute names are case-insensitive, RFC 7643 §2.1).
func lookup(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
