package filter

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	customURN     = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
)

// testAttrs describes the sample documents' attributes, keyed by lower-case path text
// without core URN.
var testAttrs = map[string]Attr{
	"id":                              {CaseExact: true},
	"externalid":                      {CaseExact: true},
	"username":                        {},
	"displayname":                     {},
	"title":                           {},
	"usertype":                        {},
	"active":                          {Type: Boolean},
	"name":                            {Type: Complex},
	"name.familyname":                 {},
	"name.givenname":                  {},
	"emails":                          {Type: Complex, MultiValued: true},
	"emails.value":                    {},
	"emails.type":                     {},
	"emails.primary":                  {Type: Boolean},
	"roles":                           {Type: Complex, MultiValued: true},
	"roles.value":                     {},
	"roles.type":                      {},
	"roles.display":                   {},
	"roles.primary":                   {Type: Boolean},
	"members":                         {Type: Complex, MultiValued: true},
	"members.value":                   {CaseExact: true},
	"meta.created":                    {Type: DateTime},
	"meta.lastmodified":               {Type: DateTime},
	"meta.resourcetype":               {CaseExact: true},
	"schemas":                         {Type: Reference, CaseExact: true, MultiValued: true},
	enterpriseURN + ":employeenumber": {},
	enterpriseURN + ":department":     {},
	enterpriseURN + ":manager":        {Type: Complex},
	enterpriseURN + ":manager.value":  {CaseExact: true},
	customURN + ":folders":            {MultiValued: true},
	customURN + ":level":              {Type: Integer},
	customURN + ":hired":              {Type: DateTime},
}

func testResolver(p AttrPath) (Attr, bool) {
	if isCoreURN(p.URN) {
		p.URN = ""
	}
	a, ok := testAttrs[strings.ToLower(p.String())]
	if !ok && p.URN != "" {
		// Extension URNs are case-insensitive too; the table spells them in their usual case.
		key := strings.ToLower(p.String())
		for k, v := range testAttrs {
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
	}
	return a, ok
}

func loadDocs(t testing.TB, file string, useNumber bool) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if useNumber {
		dec.UseNumber()
	}
	var docs []map[string]any
	if err := dec.Decode(&docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

// matchTests are filters over testdata/users.json and testdata/groups.json with the ids
// they select.
var matchTests = []struct {
	name, filter string
	want         []string
}{
	{"eq", `userName eq "bjensen@example.com"`, []string{"u1"}},
	{"eq case-insensitive", `USERNAME eq "BJENSEN@example.com"`, []string{"u1"}},
	{"entra username", `userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"`, []string{"u2"}},
	{"entra none", `userName eq "non-existent user"`, nil},
	{"externalId case-exact", `externalId eq "Ext-1"`, []string{"u1"}},
	{"externalId other case", `externalId eq "EXT-1"`, []string{"u4"}},
	{"id case-exact", `id eq "U1"`, nil},
	{"core urn", `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, []string{"u3"}},
	{"co", `name.familyName co "O'Malley"`, []string{"u2"}},
	{"sw", `userName sw "b"`, []string{"u1"}},
	{"ew", `userName ew "COM"`, []string{"u1"}},
	{"co empty", `displayName co ""`, []string{"u1", "u2", "u3"}},
	{"pr", `title pr`, []string{"u1"}},
	{"pr empty string", `displayName pr`, []string{"u1", "u2"}},
	{"pr empty array", `emails pr`, []string{"u1", "u2"}},
	{"pr sub", `emails.type pr`, []string{"u1", "u2"}},
	{"pr complex", `name pr`, []string{"u1", "u2"}},
	{"eq null", `title eq null`, []string{"u2", "u3", "u4"}},
	{"ne null", `title ne null`, []string{"u1"}},
	{"ne absent", `title ne "Tour Guide"`, []string{"u2", "u3", "u4"}},
	{"ne case-insensitive", `userType ne "employee"`, []string{"u2", "u3", "u4"}},
	{"gt datetime", `meta.lastModified gt "2011-05-13T04:42:34Z"`, []string{"u1", "u2", "u3", "u4"}},
	{"ge datetime", `meta.created ge "2020-01-01T08:00:00Z"`, []string{"u2", "u3", "u4"}},
	{"gt datetime offset", `meta.created gt "2020-01-01T08:00:00Z"`, []string{"u3", "u4"}},
	{"lt datetime", `meta.created lt "2020-01-01T08:00:00.001Z"`, []string{"u1", "u2"}},
	{"le datetime", `meta.lastModified le "2011-05-13T04:42:34.5Z"`, []string{"u1"}},
	{"eq datetime", `meta.created eq "2024-03-01T01:00:00+01:00"`, []string{"u3"}},
	{"datetime invalid", `meta.created gt "yesterday"`, nil},
	{"gt string", `userName gt "j"`, []string{"u2", "u3", "u4"}},
	{"lt string case-insensitive", `userName lt "C"`, []string{"u1"}},
	{"and", `title pr and userType eq "Employee"`, []string{"u1"}},
	{"or", `title pr or userType eq "Intern"`, []string{"u1", "u2"}},
	{"schemas", `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, []string{"u1", "u3"}},
	{"rfc multi", `userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, []string{"u1"}},
	{"rfc not", `userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`, []string{"u3", "u4"}},
	{"rfc emails.type", `userType eq "Employee" and (emails.type eq "work")`, []string{"u1"}},
	{"rfc value path", `userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`, []string{"u1"}},
	{"value path or", `emails[type eq "work" and value co "@example.org"] or ims[type eq "xmpp" and value co "@foo.com"]`, []string{"u2"}},
	{"value path same element", `emails[type eq "home" and value co "example.com"]`, nil},
	{"value path not", `emails[not (type eq "work")]`, []string{"u1"}},
	{"value path compared", `emails[type eq "work"].value eq "BJENSEN@example.com"`, []string{"u1"}},
	{"value path compared same element", `emails[type eq "home"].value eq "bjensen@example.com"`, nil},
	{"value path compared pr", `emails[type eq "work"].value pr`, []string{"u1", "u2"}},
	{"value path compared ne", `emails[type eq "work"].value ne "bjensen@example.com"`, []string{"u2"}},
	{"multi any", `emails.type eq "home"`, []string{"u1"}},
	{"multi ne any", `emails.type ne "work"`, []string{"u1", "u3", "u4"}},
	{"bool true", `active eq true`, []string{"u1", "u3"}},
	{"bool false", `active eq false`, []string{"u2", "u4"}},
	{"bool string", `active eq "True"`, []string{"u1", "u3"}},
	{"bool ne", `active ne true`, []string{"u2", "u4"}},
	{"bool gt", `active gt false`, nil},
	{"entra roles primary", `roles[primary eq "True"]`, []string{"u2", "u3"}},
	{"roles primary literal", `roles[primary eq true]`, []string{"u2", "u3"}},
	{"stored string true", `emails[primary eq true]`, []string{"u1", "u2"}},
	{"roles value", `roles[value eq "admin"]`, []string{"u1", "u3"}},
	{"roles complex", `roles eq "Reader"`, []string{"u3"}},
	{"enterprise", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "100009"`, []string{"u3"}},
	{"enterprise case", `URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq "tour operations"`, []string{"u1", "u3"}},
	{"manager", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "u3"`, []string{"u1"}},
	{"manager value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u3"`, []string{"u1"}},
	{"folders", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders eq "hr"`, []string{"u1"}},
	{"folders value path", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders[value sw "sa"]`, []string{"u2"}},
	{"number gt", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level gt 3`, []string{"u2"}},
	{"number ge", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level ge 3.0`, []string{"u1", "u2"}},
	{"number eq", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level eq 12`, []string{"u2"}},
	{"datetime without time zone", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "1999-01-01T00:00:00Z"`, []string{"u1", "u2"}},
	{"number beyond float64", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level lt 1e400`, nil},
	{"number vs string", `urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level eq "12"`, nil},
	{"unknown attribute", `nickName eq "x"`, nil},
	{"unknown ne", `nickName ne "x"`, []string{"u1", "u2", "u3", "u4"}},
	{"not pr", `not (title pr)`, []string{"u2", "u3", "u4"}},
	{"group displayName", `displayName eq "displayname"`, []string{"g2"}},
	{"group membership", `id eq "g1" and members[value eq "u2"]`, []string{"g1"}},
	{"group membership none", `id eq "g2" and members[value eq "u2"]`, nil},
	{"members.value", `members.value eq "u3"`, []string{"g2"}},
	{"members", `members eq "u1"`, []string{"g1"}},
	{"members case-exact", `members[value eq "U1"]`, nil},
	{"members pr", `members pr`, []string{"g1", "g2"}},
	{"members ne", `members.value ne "u3"`, []string{"g1", "g3"}},
}

func TestMatch(t *testing.T) {
	for _, useNumber := range []bool{false, true} {
		docs := append(loadDocs(t, "testdata/users.json", useNumber), loadDocs(t, "testdata/groups.json", useNumber)...)
		for _, tt := range matchTests {
			t.Run(tt.name, func(t *testing.T) {
				e, err := Parse(tt.filter)
				if err != nil {
					t.Fatalf("Parse(%q) = %v", tt.filter, err)
				}
				var got []string
				for _, doc := range docs {
					if isGroup(doc) != groupTest(tt.name) {
						continue
					}
					if Match(e, doc, testResolver) {
						got = append(got, doc["id"].(string))
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Match(%q) = %v, want %v (useNumber %v)", tt.filter, got, tt.want, useNumber)
				}
			})
		}
	}
}

// groupTest reports whether a matchTests case runs over groups (by its name) rather than users.
func groupTest(name string) bool {
	return strings.HasPrefix(name, "group") || strings.HasPrefix(name, "members")
}

func isGroup(doc map[string]any) bool {
	id, _ := doc["id"].(string)
	return strings.HasPrefix(id, "g")
}
