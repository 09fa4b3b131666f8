package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/rosterhq/roster/internal/jsonenc"
)

// scimUser is a user as the SCIM server renders it: core attributes, the
// enterprise extension, meta and groups.
const scimUser = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"id": "2819c223-7f76-453a-919d-413861904646",
	"externalId": "bjensen",
	"userName": "bjensen@example.com",
	"displayName": "Babs Jensen",
	"active": true,
	"name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen, III"},
	"emails": [
		{"value": "bjensen@example.com", "type": "work", "primary": true},
		{"value": "babs@jensen.org", "type": "home", "primary": false}
	],
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
		"employeeNumber": "701984",
		"costCenter": "4130",
		"organization": "Universal Studios",
		"department": "Tour Operations"
	},
	"meta": {
		"resourceType": "User",
		"created": "2010-01-23T04:56:22Z",
		"lastModified": "2011-05-13T04:42:34Z",
		"location": "https://example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646",
		"version": "W/\"3694e05e9dff590\""
	},
	"groups": [
		{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides", "$ref": "https://example.com/scim/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"},
		{"value": "fc348aa8-3835-40eb-a20b-c726e15c55b5", "display": "Employees", "$ref": "https://example.com/scim/v2/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5"}
	]
}`

// BenchmarkAppendValue encodes a SCIM user with AppendValue into a reused
// buffer and, for comparison, with json.Marshal.
func BenchmarkAppendValue(b *testing.B) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(scimUser), &doc); err != nil {
		b.Fatal(err)
	}
	b.Run("jsonenc", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = jsonenc.AppendValue(buf[:0], doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// storedUser is a user document as the stores keep it: as json.Marshal
// writes it, without id, meta and groups.
const storedUser = `{"active":true,"displayName":"Barbara Jensen","emails":[` +
	`{"primary":true,"type":"work","value":"barbara.jensen@contoso.example.com"},` +
	`{"primary":false,"type":"home","value":"babs.jensen@example.org"},` +
	`{"primary":false,"type":"other","value":"b.jensen@tours.example.net"}],` +
	`"externalId":"8f2a6c1e-4b7d-4e0a-9c3f-2d5b8e7a1c04",` +
	`"name":{"familyName":"Jensen","formatted":"Ms. Barbara J Jensen, III","givenName":"Barbara"},` +
	`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":` +
	`{"costCenter":"4130","department":"Tour Operations","employeeNumber":"701984","organization":"Universal Studios"},` +
	`"userName":"barbara.jensen@contoso.example.com"}`

// BenchmarkDecode decodes a stored user with Decode and, for comparison, as
// the stores did before: encoding/json's Decoder with UseNumber.
func BenchmarkDecode(b *testing.B) {
	data := []byte(storedUser)
	b.Run("jsonenc", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := jsonenc.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			var doc map[string]any
			if err := d.Decode(&doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
