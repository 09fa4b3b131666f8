package policy

import (
	"testing"

	"github.com/rosterhq/roster"
)

const benchUser = `{"userName":"ada@contoso.com","userType":"Premium",
	"name":{"givenName":"Ada","familyName":"Lovelace"},
	"emails":[{"type":"work","value":"Ada@Contoso.com","primary":true}],
	"roles":[{"value":"active"},{"value":"standard_license"},{"value":"Admin"},{"value":"{\"id\":\"1\",\"value\":\"User\"}"}],
	"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["sales","legal","later"]},
	"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-7"}}`

// BenchmarkParse compiles the example policy, as a server does when a tenant's
// policy changes.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(Example()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUser applies the example policy to a normalised user, as every
// user write does.
func BenchmarkUser(b *testing.B) {
	p, err := Parse(Example())
	if err != nil {
		b.Fatal(err)
	}
	doc := normalize(b, p, benchUser)
	fs := NewFolderIndex([]*roster.Folder{{ID: "sales", Name: "Sales"}, {ID: "f2", ExternalID: "LEGAL", Name: "Legal"}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.User(doc, fs); err != nil {
			b.Fatal(err)
		}
	}
}
