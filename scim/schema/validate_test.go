package schema

import "testing"

func TestIsURN(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "enterprise", in: EnterpriseUserURN, want: true},
		{name: "Entra custom", in: "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName", want: true},
		{name: "upper case scheme", in: "URN:example:a", want: true},
		{name: "percent-encoded", in: "urn:example:a%20b", want: true},
		{name: "slash", in: "urn:example:a/b", want: true},
		{name: "no NSS", in: "urn:example", want: false},
		{name: "empty NSS", in: "urn:example:", want: false},
		{name: "trailing colon", in: "urn:example:a:", want: false},
		{name: "one-letter NID", in: "urn:x:a", want: false},
		{name: "NID starting with a hyphen", in: "urn:-ab:a", want: false},
		{name: "bad percent", in: "urn:example:a%2", want: false},
		{name: "space", in: "urn:example:a b", want: false},
		{name: "not a URN", in: "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group", want: false},
		{name: "empty", in: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isURN(tt.in); got != tt.want {
				t.Errorf("isURN(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "schema attr sub" by name, or "" when unknown
	}{
		{name: "attribute", in: "userName", want: "User userName"},
		{name: "sub-attribute", in: "name.givenName", want: "User name givenName"},
		{name: "any case", in: "EMAILS.VALUE", want: "User emails value"},
		{name: "core URN path", in: UserURN + ":name.familyName", want: "User name familyName"},
		{name: "extension URN path", in: EnterpriseUserURN + ":manager.value", want: "EnterpriseUser manager value"},
		{name: "whole extension", in: EnterpriseUserURN, want: "EnterpriseUser"},
		{name: "whole core schema", in: UserURN, want: "User"},
		{name: "unknown attribute", in: "nosuch"},
		{name: "unknown sub-attribute", in: "name.nosuch"},
		{name: "unknown URN", in: "urn:example:x:userName"},
		{name: "URN without attribute", in: EnterpriseUserURN + ":"},
		{name: "empty", in: ""},
	}
	r := New()
	ti := r.typeInfo("User")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, a, sub := ti.resolve(tt.in)
			got := ""
			if e != nil {
				got = e.s.Name
				if a != nil {
					got += " " + a.Name
				}
				if sub != nil {
					got += " " + sub.Name
				}
			}
			if got != tt.want {
				t.Errorf("resolve(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
