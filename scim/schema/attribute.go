package schema

// Type is the data type of an attribute (RFC 7643 §2.3).
type Type string

// The attribute data types of RFC 7643 §2.3.
const (
	String    Type = "string"
	Boolean   Type = "boolean"
	Decimal   Type = "decimal"
	Integer   Type = "integer"
	DateTime  Type = "dateTime"
	Reference Type = "reference"
	Binary    Type = "binary"
	Complex   Type = "complex"
)

// Attribute characteristics (RFC 7643 §2.2, §7).
const (
	readOnly  = "readOnly"
	readWrite = "readWrite"
	immutable = "immutable"
	writeOnly = "writeOnly"

	returnedAlways  = "always"
	returnedNever   = "never"
	returnedDefault = "default"
	returnedRequest = "request"

	uniqueNone   = "none"
	uniqueServer = "server"
	uniqueGlobal = "global"
)

// Attribute describes one attribute or sub-attribute and its characteristics.
// Its JSON form is the attribute definition of RFC 7643 §7. Attributes held by
// a Registry are shared by all its readers and must not be modified.
type Attribute struct {
	Name            string       `json:"name"`
	Type            Type         `json:"type"`
	SubAttributes   []*Attribute `json:"subAttributes,omitempty"`
	MultiValued     bool         `json:"multiValued"`
	Description     string       `json:"description"`
	Required        bool         `json:"required"`
	CanonicalValues []string     `json:"canonicalValues,omitempty"`
	CaseExact       bool         `json:"caseExact"`
	// Mutability is "readOnly", "readWrite", "immutable" or "writeOnly".
	Mutability string `json:"mutability"`
	// Returned is "always", "never", "default" or "request".
	Returned string `json:"returned"`
	// Uniqueness is "none", "server" or "global".
	Uniqueness     string   `json:"uniqueness"`
	ReferenceTypes []string `json:"referenceTypes,omitempty"`
}

// sub returns the sub-attribute called name, matched exactly first and then
// case-insensitively, or nil.
func (a *Attribute) sub(name string) *Attribute {
	return find(a.SubAttributes, name)
}

// find returns the attribute of attrs called name, matched exactly first and
// then case-insensitively (RFC 7643 §2.1), or nil.
func find(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if a.Name == name {
			return a
		}
	}
	for _, a := range attrs {
		if equalFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// Schema is a resource or extension schema (RFC 7643 §7). Its JSON form is the
// Schema resource without "schemas" and "meta", which SchemaDoc adds. The
// common attributes id, externalId and meta are not listed in Attributes
// (RFC 7643 §3.1) but Lookup resolves them for every core schema.
type Schema struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Attributes  []*Attribute `json:"attributes"`
	// Open marks a free-form extension, such as a tenant's
	// "urn:ietf:params:scim:schemas:extension:2.0:Metadata": it lists no
	// Attributes, any attribute name is accepted under it, and every value is
	// stored as a string. RFC 7643 has no such characteristic, so it is not
	// part of the JSON form; the description of the registered schema says it
	// instead. See WithExtension.
	Open bool `json:"-"`
}

// Extension names a schema extension of a resource type (RFC 7643 §6).
type Extension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

// ResourceType describes a resource endpoint (RFC 7643 §6). Its JSON form is
// the ResourceType resource without "schemas" and "meta", which
// ResourceTypeDoc adds.
type ResourceType struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Endpoint    string      `json:"endpoint"`
	Description string      `json:"description"`
	Schema      string      `json:"schema"`
	Extensions  []Extension `json:"schemaExtensions,omitempty"`
}

// clone returns a deep copy of a.
func (a *Attribute) clone() *Attribute {
	c := *a
	c.CanonicalValues = append([]string(nil), a.CanonicalValues...)
	c.ReferenceTypes = append([]string(nil), a.ReferenceTypes...)
	c.SubAttributes = nil
	for _, s := range a.SubAttributes {
		c.SubAttributes = append(c.SubAttributes, s.clone())
	}
	return &c
}

// equalFold reports whether s and t are equal under ASCII case folding, which
// is what SCIM names and URNs need; it is cheaper than strings.EqualFold.
func equalFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if a == b {
			continue
		}
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}
