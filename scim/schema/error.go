package schema

// scimType values of RFC 7644 §3.12 that this package reports.
const (
	invalidValue  = "invalidValue"
	invalidSyntax = "invalidSyntax"
	mutability    = "mutability"
)

// Error reports a resource document that does not satisfy the schema. The SCIM
// server answers it with status 400 and the scimType of RFC 7644 §3.12.
type Error struct {
	// ScimType is "invalidValue", "invalidSyntax" or "mutability".
	ScimType string
	// Attr is the attribute path at fault, such as "emails[0].primary" or
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value";
	// empty when the document as a whole is at fault.
	Attr string
	// Detail is a message for the client that names Attr.
	Detail string
}

func (e *Error) Error() string { return "schema: " + e.Detail }
