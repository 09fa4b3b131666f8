package schema

import (
	"errors"
	"fmt"
)

// checkSchema reports the first problem of an extension schema: its URN, then
// each attribute in order. An open schema must list no attributes.
func checkSchema(s *Schema) error {
	if !isURN(s.ID) {
		return errors.New("id is not a URN (RFC 8141)")
	}
	if s.Open {
		if len(s.Attributes) > 0 {
			return errors.New("an open schema lists no attributes: it accepts any name")
		}
		return nil
	}
	if len(s.Attributes) == 0 {
		return errors.New("no attributes")
	}
	return checkAttributes(s.Attributes, nil)
}

// checkAttributes checks attrs, the attributes of a schema (parent nil) or the
// sub-attributes of the complex attribute parent.
func checkAttributes(attrs []*Attribute, parent *Attribute) error {
	for i, a := range attrs {
		if a == nil {
			return errors.New("nil attribute")
		}
		name := a.Name
		if parent != nil {
			name = parent.Name + "." + a.Name
		}
		if err := checkAttribute(a, parent); err != nil {
			return fmt.Errorf("attribute %q: %w", name, err)
		}
		for _, b := range attrs[:i] {
			if b != nil && equalFold(a.Name, b.Name) {
				return fmt.Errorf("attribute %q: defined more than once", name)
			}
		}
	}
	return nil
}

func checkAttribute(a *Attribute, parent *Attribute) error {
	if !isAttrName(a.Name) && (parent == nil || a.Name != "$ref") {
		return errors.New("invalid name (RFC 7643 §2.1: ALPHA *(\"-\" / \"_\" / DIGIT / ALPHA))")
	}
	switch a.Type {
	case String, Boolean, Decimal, Integer, DateTime, Reference, Binary:
		if len(a.SubAttributes) > 0 {
			return fmt.Errorf("type %s cannot have sub-attributes", a.Type)
		}
	case Complex:
		if parent != nil {
			return errors.New("a sub-attribute cannot be complex (RFC 7643 §2.3.8)")
		}
		if len(a.SubAttributes) == 0 {
			return errors.New("complex attribute without sub-attributes")
		}
	default:
		return fmt.Errorf("unknown type %q", a.Type)
	}
	if len(a.CanonicalValues) > 0 && a.Type != String && a.Type != Reference {
		return errors.New("canonical values need type string or reference")
	}
	if err := checkCharacteristics(a); err != nil {
		return err
	}
	if a.Type == Complex {
		return checkAttributes(a.SubAttributes, a)
	}
	return nil
}

func checkCharacteristics(a *Attribute) error {
	switch a.Mutability {
	case "", readOnly, readWrite, immutable, writeOnly:
	default:
		return fmt.Errorf("unknown mutability %q", a.Mutability)
	}
	switch a.Returned {
	case "", returnedAlways, returnedNever, returnedDefault, returnedRequest:
	default:
		return fmt.Errorf("unknown returned %q", a.Returned)
	}
	switch a.Uniqueness {
	case "", uniqueNone, uniqueServer, uniqueGlobal:
	default:
		return fmt.Errorf("unknown uniqueness %q", a.Uniqueness)
	}
	if a.Required && a.Mutability == readOnly {
		return errors.New("a readOnly attribute cannot be required: clients cannot set it")
	}
	return nil
}

// withDefaults fills empty characteristics of a and its sub-attributes with
// the defaults of RFC 7643 §2.2 and returns a.
func withDefaults(a *Attribute) *Attribute {
	if a.Mutability == "" {
		a.Mutability = readWrite
	}
	if a.Returned == "" {
		a.Returned = returnedDefault
	}
	if a.Uniqueness == "" {
		a.Uniqueness = uniqueNone
	}
	for _, s := range a.SubAttributes {
		withDefaults(s)
	}
	return a
}

// isAttrName reports whether s is an attribute name (RFC 7643 §2.1):
//
//	ATTRNAME = ALPHA *(nameChar)
//	nameChar = "-" / "_" / DIGIT / ALPHA
func isAttrName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// isURN reports whether s is a URN (RFC 8141 §2) that can prefix attribute
// paths, so it must not end in ":":
//
//	namestring = "urn" ":" NID ":" NSS
//	NID        = (alphanum) 0*30(ldh) (alphanum)
//	ldh        = alphanum / "-"
//	NSS        = pchar *(pchar / "/")
func isURN(s string) bool {
	if !hasPrefixFold(s, "urn:") {
		return false
	}
	rest := s[len("urn:"):]
	n := 0
	for n < len(rest) && rest[n] != ':' {
		n++
	}
	if !isNID(rest[:n]) || n == len(rest) {
		return false
	}
	nss := rest[n+1:]
	return nss != "" && nss[len(nss)-1] != ':' && nss[0] != '/' && isNSS(nss)
}

func isNID(s string) bool {
	if len(s) < 2 || len(s) > 32 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) && !isDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// isNSS reports whether s is made of pchar (RFC 3986 §3.3) and "/":
//
//	pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
func isNSS(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c), isDigit(c):
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		default:
			switch c {
			case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/':
			default:
				return false
			}
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
