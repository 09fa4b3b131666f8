package schema_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/schema"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name  string
		rt    string
		doc   string
		prior string
		opts  schema.Options
		want  string        // the normalised document as JSON
		err   *schema.Error // or the error
	}{
		{
			name: "minimal user",
			rt:   "User",
			doc:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`,
		},
		{
			name: "names canonicalised",
			rt:   "user",
			doc: `{"SCHEMAS":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],"USERNAME":"bjensen","Name":{"GIVENNAME":"Barbara"},
				"emails":[{"VALUE":"b@example.com","Type":"work","PRIMARY":true}],"ExternalId":"x1",
				"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"DEPARTMENT":"Tour Operations","Manager":{"VALUE":"m1"}}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"userName":"bjensen","name":{"givenName":"Barbara"},"emails":[{"value":"b@example.com","type":"work","primary":true}],
				"externalId":"x1","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tour Operations","manager":{"value":"m1"}}}`,
		},
		{
			name: "schemas missing is rebuilt",
			rt:   "Group",
			doc:  `{"displayName":"Admins","members":[{"value":"u1"},{"value":"u2","display":"Jane"}]}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins","members":[{"value":"u1"},{"value":"u2","display":"Jane"}]}`,
		},
		{
			name: "schemas lists an extension that is absent",
			rt:   "User",
			doc:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"b"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}`,
		},
		{
			name: "extension present without its URN in schemas",
			rt:   "User",
			doc:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"East"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"b","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"East"}}`,
		},
		{
			name: "Entra full-path custom attributes move under their extension",
			rt:   "User",
			doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders":["Finance","Payroll"],
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode":"CC-1",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"},
				"urn:ietf:params:scim:schemas:core:2.0:User:displayName":"Babs"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
				"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],
				"userName":"b","displayName":"Babs",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","employeeNumber":"7"},
				"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance","Payroll"]},
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1"}}`,
		},
		{
			name: "ws1b attributes as Entra sends them: full paths",
			rt:   "User",
			doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User:adSourceAnchor":"AAAA",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User:customAttribute3":"x3",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User:distinguishedName":"CN=B,OU=Users,DC=example,DC=com",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User:DOMAIN":"example.com",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User:userPrincipalName":"b@example.com",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"},
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User":{"adSourceAnchor":"AAAA","customAttribute3":"x3",
					"distinguishedName":"CN=B,OU=Users,DC=example,DC=com","domain":"example.com","userPrincipalName":"b@example.com"}}`,
		},
		{
			name: "ws1b attributes under their URN, listed in schemas first",
			rt:   "User",
			doc: `{"schemas":["urn:ietf:params:scim:schemas:extension:ws1b:2.0:User","urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User":{"domain":"example.com"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:ws1b:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:ws1b:2.0:User":{"domain":"example.com"}}`,
		},
		{
			name: "unknown ws1b attribute rejected",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:ws1b:2.0:User:customAttribute6":"x"}`,
			err: &schema.Error{ScimType: "invalidSyntax", Attr: schema.WS1BUserURN + ":customAttribute6",
				Detail: schema.WS1BUserURN + ":customAttribute6: unknown attribute"},
		},
		{
			name: "single value wrapped into an array",
			rt:   "User",
			doc: `{"userName":"b","emails":{"value":"b@example.com"},
				"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders":"Finance"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"],
				"userName":"b","emails":[{"value":"b@example.com"}],
				"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance"]}}`,
		},
		{
			name: "boolean strings from Entra",
			rt:   "User",
			doc: `{"userName":"b","active":"False","emails":[{"value":"a","primary":"True"},{"value":"b","primary":"false"}],
				"roles":[{"primary":"TRUE","type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"}]}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","active":false,
				"emails":[{"value":"a","primary":true},{"value":"b","primary":false}],
				"roles":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"}]}`,
		},
		{
			name: "numbers and dateTimes",
			rt:   "User",
			doc: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","level":3.0,"score":2.5,
				"hireDate":"2008-01-23T04:56:22Z","offices":[{"name":"HQ","floor":12}]}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","level":3,"score":2.5,
				"hireDate":"2008-01-23T04:56:22Z","offices":[{"name":"HQ","floor":12}]}}`,
		},
		{
			name: "dateTime without a time zone",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","hireDate":"2018-03-27T19:59:26.000"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","hireDate":"2018-03-27T19:59:26.000"}}`,
		},
		{
			name: "canonical values of an added extension, any case",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","tier":"premium"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","tier":"Premium"}}`,
		},
		{
			name: "canonical values of core attributes are free",
			rt:   "User",
			doc:  `{"userName":"b","emails":[{"value":"a","type":"school"}],"groups":[{"value":"g","type":"nested"}]}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","emails":[{"value":"a","type":"school"}]}`,
		},
		{
			name: "readOnly attributes dropped",
			rt:   "User",
			doc: `{"id":"2819c223","meta":{"resourceType":"User","created":"2010-01-23T04:56:22Z"},"userName":"b",
				"groups":[{"value":"e9e30dba","display":"Tour Guides"}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","displayName":"Boss"}}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}}}`,
		},
		{
			name: "enterprise manager as a plain id, any case, as Entra sends it",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"Manager":"123456"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"123456"}}}`,
		},
		{
			name: "enterprise manager as a plain id in a full path",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m1"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}}`,
		},
		{
			name: "readOnly attributes are dropped before their type is checked",
			rt:   "User",
			doc:  `{"id":42,"meta":"x","userName":"b"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}`,
		},
		{
			name: "writeOnly password removed",
			rt:   "User",
			doc:  `{"userName":"b","password":"t1meMa$heen"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}`,
		},
		{
			name: "writeOnly password still type-checked, its value never quoted",
			rt:   "User",
			doc:  `{"userName":"b","password":12}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "password", Detail: "password: expected a string, got a number"},
		},
		{
			name: "null and empty values are unassigned",
			rt:   "User",
			doc: `{"userName":"b","displayName":null,"emails":[],"phoneNumbers":[null],"name":{"givenName":null},"addresses":null,
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":null,"manager":{"value":null}},
				"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":null,"nonsense":null}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}`,
		},
		{
			name: "required userName missing",
			rt:   "User",
			doc:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"b"}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "userName", Detail: "userName is required"},
		},
		{
			name: "required userName empty",
			rt:   "User",
			doc:  `{"userName":""}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "userName", Detail: "userName is required"},
		},
		{
			name: "required userName null",
			rt:   "User",
			doc:  `{"userName":null}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "userName", Detail: "userName is required"},
		},
		{
			name: "required group displayName",
			rt:   "Group",
			doc:  `{"members":[{"value":"u1"}]}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "displayName", Detail: "displayName is required"},
		},
		{
			name: "required sub-attribute members.value",
			rt:   "Group",
			doc:  `{"displayName":"g","members":[{"value":"u1"},{"display":"Jane"}]}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "members[1].value", Detail: "members[1].value is required"},
		},
		{
			name: "required extension attribute when the extension is present",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata:tier":"Standard"}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":costCode",
				Detail: metadataURN + ":costCode is required"},
		},
		{
			name: "required sub-attribute of an extension",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","offices":[{"floor":1}]}}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":offices[0].name",
				Detail: metadataURN + ":offices[0].name is required"},
		},
		{
			name: "wrong type boolean",
			rt:   "User",
			doc:  `{"userName":"b","emails":[{"value":"a","primary":"yes"}]}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "emails[0].primary", Detail: `emails[0].primary: expected a boolean, got "yes"`},
		},
		{
			name: "wrong type string",
			rt:   "User",
			doc:  `{"userName":true}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "userName", Detail: "userName: expected a string, got true"},
		},
		{
			name: "wrong type complex",
			rt:   "User",
			doc:  `{"userName":"b","name":"Barbara Jensen"}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "name", Detail: `name: expected an object, got "Barbara Jensen"`},
		},
		{
			name: "wrong type element of a multi-valued complex",
			rt:   "User",
			doc:  `{"userName":"b","emails":[{"value":"a"},"b@example.com"]}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "emails[1]", Detail: `emails[1]: expected an object, got "b@example.com"`},
		},
		{
			name: "wrong type element of a multi-valued string",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["a",{"x":1}]}}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: customURN + ":folders[1]", Detail: customURN + ":folders[1]: expected a string, got an object"},
		},
		{
			name: "wrong type integer",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","level":2.5}}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":level", Detail: metadataURN + ":level: expected an integer, got 2.5"},
		},
		{
			name: "wrong type decimal",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","score":"2.5"}}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":score", Detail: metadataURN + `:score: expected a decimal number, got "2.5"`},
		},
		{
			name: "wrong type dateTime",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","hireDate":"23/01/2008"}}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":hireDate",
				Detail: metadataURN + `:hireDate: expected a dateTime such as "2008-01-23T04:56:22Z", got "23/01/2008"`},
		},
		{
			name: "dateTime in year 0",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","hireDate":"0000-01-23T04:56:22Z"}}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":hireDate",
				Detail: metadataURN + `:hireDate: expected a dateTime such as "2008-01-23T04:56:22Z", got "0000-01-23T04:56:22Z"`},
		},
		{
			name: "dateTime without a time zone in year 0",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","hireDate":"0000-01-23T04:56:22"}}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":hireDate",
				Detail: metadataURN + `:hireDate: expected a dateTime such as "2008-01-23T04:56:22Z", got "0000-01-23T04:56:22"`},
		},
		{
			name: "dateTime offset past 14:59",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","hireDate":"2008-01-23T04:56:22+16:00"}}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":hireDate",
				Detail: metadataURN + `:hireDate: expected a dateTime such as "2008-01-23T04:56:22Z", got "2008-01-23T04:56:22+16:00"`},
		},
		{
			name: "wrong type extension object",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"Sales"}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: schema.EnterpriseUserURN, Detail: schema.EnterpriseUserURN + `: expected an object, got "Sales"`},
		},
		{
			name: "wrong type name as a string",
			rt:   "User",
			doc:  `{"userName":"b","name":"Barbara Jensen"}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "name", Detail: `name: expected an object, got "Barbara Jensen"`},
		},
		{
			name: "wrong type enterprise manager as a number",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":7}}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: schema.EnterpriseUserURN + ":manager",
				Detail: schema.EnterpriseUserURN + `:manager: expected an object, got 7`},
		},
		{
			name: "value outside the canonical values of an added extension",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","tier":"Gold"}}`,
			err: &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":tier",
				Detail: metadataURN + `:tier: expected one of "Premium", "Standard", got "Gold"`},
		},
		{
			name: "two primary values",
			rt:   "User",
			doc:  `{"userName":"b","emails":[{"value":"a","primary":true},{"value":"b","primary":"True"}]}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "emails", Detail: "emails: more than one value has primary true"},
		},
		{
			name: "two primary values in an extension",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","offices":[{"name":"a","primary":true},{"name":"b","primary":true}]}}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: metadataURN + ":offices", Detail: metadataURN + ":offices: more than one value has primary true"},
		},
		{
			name: "unknown attribute rejected",
			rt:   "User",
			doc:  `{"userName":"b","nickname2":"x","favouriteColour":"blue"}`,
			err:  &schema.Error{ScimType: "invalidSyntax", Attr: "favouriteColour", Detail: "favouriteColour: unknown attribute"},
		},
		{
			name: "unknown sub-attribute rejected",
			rt:   "User",
			doc:  `{"userName":"b","name":{"givenName":"B","nickName":"x"}}`,
			err:  &schema.Error{ScimType: "invalidSyntax", Attr: "name.nickName", Detail: "name.nickName: unknown attribute"},
		},
		{
			name: "unknown extension attribute rejected",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"building":"7"}}`,
			err:  &schema.Error{ScimType: "invalidSyntax", Attr: schema.EnterpriseUserURN + ":building", Detail: schema.EnterpriseUserURN + ":building: unknown attribute"},
		},
		{
			name: "unregistered extension path rejected",
			rt:   "User",
			doc:  `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Other:costCode":"x"}`,
			err: &schema.Error{ScimType: "invalidSyntax", Attr: "urn:ietf:params:scim:schemas:extension:2.0:Other:costCode",
				Detail: "urn:ietf:params:scim:schemas:extension:2.0:Other:costCode: unknown attribute"},
		},
		{
			name: "unknown URN in schemas dropped",
			rt:   "User",
			doc:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:other"],"userName":"b"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}`,
		},
		{
			name: "another resource type's URN in schemas dropped",
			rt:   "User",
			doc:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"b"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}`,
		},
		{
			name: "schemas of the wrong type",
			rt:   "User",
			doc:  `{"schemas":[1],"userName":"b"}`,
			err:  &schema.Error{ScimType: "invalidValue", Attr: "schemas", Detail: "schemas: expected an array of URNs, got an element 1"},
		},
		{
			name: "unknown attributes kept",
			rt:   "User",
			opts: schema.Options{Unknown: schema.Keep},
			doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:other"],"userName":"b","favouriteColour":"blue",
				"name":{"givenName":"B","nick":"x"},"urn:example:other":{"a":1},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:building":"7"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:example:other"],
				"userName":"b","favouriteColour":"blue","name":{"givenName":"B","nick":"x"},"urn:example:other":{"a":1},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"building":"7"}}`,
		},
		{
			name: "unknown attributes dropped",
			rt:   "User",
			opts: schema.Options{Unknown: schema.Drop},
			doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:other"],"userName":"b","favouriteColour":"blue",
				"name":{"givenName":"B","nick":"x"},"urn:example:other":{"a":1},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:building":"7"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","name":{"givenName":"B"}}`,
		},
		{
			name: "attribute given twice",
			rt:   "User",
			doc:  `{"userName":"a","USERNAME":"b"}`,
			err:  &schema.Error{ScimType: "invalidSyntax", Attr: "userName", Detail: "userName: attribute given more than once"},
		},
		{
			name: "extension attribute given as object and full path",
			rt:   "User",
			doc: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"x"},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"y"}`,
			err: &schema.Error{ScimType: "invalidSyntax", Attr: schema.EnterpriseUserURN + ":department",
				Detail: schema.EnterpriseUserURN + ":department: attribute given more than once"},
		},
		{
			name:  "immutable unchanged",
			rt:    "User",
			opts:  schema.Options{Mode: schema.Replace},
			prior: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"B-1"}}`,
			doc:   `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"d","badge":"B-1"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"d","badge":"B-1"}}`,
		},
		{
			name:  "immutable set for the first time",
			rt:    "User",
			opts:  schema.Options{Mode: schema.Patched},
			prior: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c"}}`,
			doc:   `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"B-1"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"B-1"}}`,
		},
		{
			name:  "immutable changed",
			rt:    "User",
			opts:  schema.Options{Mode: schema.Replace},
			prior: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"B-1"}}`,
			doc:   `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"b-1"}}`,
			err: &schema.Error{ScimType: "mutability", Attr: metadataURN + ":badge",
				Detail: metadataURN + ":badge: immutable attribute cannot be changed"},
		},
		{
			name:  "immutable ignored on create",
			rt:    "User",
			opts:  schema.Options{Mode: schema.Create},
			prior: `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"B-1"}}`,
			doc:   `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"B-2"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
				"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","badge":"B-2"}}`,
		},
		{
			name:  "immutable members of a group may change",
			rt:    "Group",
			opts:  schema.Options{Mode: schema.Patched},
			prior: `{"displayName":"g","members":[{"value":"u1"}]}`,
			doc:   `{"displayName":"g","members":[{"value":"u2"}]}`,
			want:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"u2"}]}`,
		},
	}
	r := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, useNumber := range []bool{false, true} {
				doc := decode(t, tt.doc, useNumber)
				before := canonicalJSON(t, doc)
				got, err := r.Normalize(tt.rt, doc, decode(t, tt.prior, useNumber), tt.opts)
				if diff := cmp.Diff(before, canonicalJSON(t, doc)); diff != "" {
					t.Errorf("Normalize modified its input (-before +after):\n%s", diff)
				}
				if tt.err != nil {
					var se *schema.Error
					if !errors.As(err, &se) || *se != *tt.err {
						t.Fatalf("Normalize(%s) error = %#v, want %#v", tt.doc, err, tt.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("Normalize(%s) = %v, want success", tt.doc, err)
				}
				if diff := cmp.Diff(decode(t, tt.want, false), canonicalJSON(t, got)); diff != "" {
					t.Errorf("Normalize(%s) mismatch (-want +got):\n%s", tt.doc, diff)
				}
			}
		})
	}
}

// TestNormalizeTypes checks the Go types of normalised values, which the
// JSON comparison of TestNormalize cannot see.
func TestNormalizeTypes(t *testing.T) {
	r := testRegistry(t)
	for _, useNumber := range []bool{false, true} {
		doc := decode(t, `{"userName":"b","active":"True","urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"c","level":7,"score":1.5}}`, useNumber)
		got, err := r.Normalize("User", doc, nil, schema.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got["active"] != true {
			t.Errorf("active = %#v, want true", got["active"])
		}
		meta := got[metadataURN].(map[string]any)
		if meta["level"] != int64(7) {
			t.Errorf("level = %#v, want int64(7)", meta["level"])
		}
		want := any(1.5)
		if useNumber {
			want = json.Number("1.5")
		}
		if meta["score"] != want {
			t.Errorf("score = %#v, want %#v", meta["score"], want)
		}
	}
}

func TestNormalizeUnknownResourceType(t *testing.T) {
	_, err := schema.New().Normalize("Device", map[string]any{}, nil, schema.Options{})
	var se *schema.Error
	if err == nil || errors.As(err, &se) {
		t.Fatalf("Normalize(Device) = %v, want a plain error", err)
	}
}

// TestNormalizeEntra replays the request bodies Microsoft documents.
func TestNormalizeEntra(t *testing.T) {
	tests := []struct {
		name string
		file string
		rt   string
		opts schema.Options
		want string
		err  *schema.Error
	}{
		{
			name: "create user",
			file: "entra/create-user.json",
			rt:   "User",
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
				"userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1","active":true,
				"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
				"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"}}`,
		},
		{
			name: "create group drops the ADSCIM URN",
			file: "entra/create-group.json",
			rt:   "Group",
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"}`,
		},
		{
			name: "create group with unknown schemas dropped",
			file: "entra/create-group.json",
			rt:   "Group",
			opts: schema.Options{Unknown: schema.Drop},
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"}`,
		},
		{
			name: "sample code user with unknown schemas dropped",
			file: "entra/create-user-sample-code.json",
			rt:   "User",
			opts: schema.Options{Unknown: schema.Drop},
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"jyoung","userName":"jyoung@testuser.com","active":true,
				"displayName":"Joy Young","emails":[{"type":"work","value":"jyoung@Contoso.com","primary":true}],
				"name":{"familyName":"Young","givenName":"Joy"}}`,
		},
		{
			name: "enterprise user with a custom attribute",
			file: "user-enterprise.json",
			rt:   "User",
			want: string(readFile(t, "user-enterprise.golden.json")),
		},
	}
	r := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := readFile(t, tt.file)
			got, err := r.Normalize(tt.rt, decode(t, string(body), false), nil, tt.opts)
			if tt.err != nil {
				var se *schema.Error
				if !errors.As(err, &se) || *se != *tt.err {
					t.Fatalf("Normalize(%s) error = %#v, want %#v", tt.file, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize(%s) = %v, want success", tt.file, err)
			}
			if diff := cmp.Diff(decode(t, tt.want, false), canonicalJSON(t, got)); diff != "" {
				t.Errorf("Normalize(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// TestNormalizeExtensionForms sends a tenant's extension (added with
// WithExtension) in every form Entra ID uses in POST and PUT bodies: under its
// URN object, listed in "schemas" or not; as top-level full paths; a
// multi-valued string as an array or as one string; canonical values in any
// case.
func TestNormalizeExtensionForms(t *testing.T) {
	const want = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName",
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
		"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance"]},
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1","tier":"Premium"}}`
	docs := []struct {
		name string
		doc  string
	}{
		{name: "objects, URNs listed in schemas", doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName","urn:ietf:params:scim:schemas:extension:2.0:Metadata"],"userName":"b",
			"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Finance"]},
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1","tier":"Premium"}}`},
		{name: "objects, URNs not listed", doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b",
			"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"FOLDERS":"Finance"},
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1","tier":"premium"}}`},
		{name: "objects, no schemas at all", doc: `{"userName":"b",
			"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:2.0:CUSTOMEXTENSIONNAME":{"folders":["Finance"]},
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-1","tier":"PREMIUM"}}`},
		{name: "full paths, array", doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b",
			"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders":["Finance"],
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode":"CC-1",
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata:tier":"Premium"}`},
		{name: "full paths, single string", doc: `{"userName":"b",
			"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders":"Finance",
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode":"CC-1",
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata:Tier":"premium"}`},
		{name: "object and full paths mixed", doc: `{"userName":"b",
			"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders":"Finance",
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"tier":"Premium"},
			"urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode":"CC-1"}`},
	}
	const prior = `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName":{"folders":["Old"]},
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata":{"costCode":"CC-0","tier":"Standard"}}`
	r := testRegistry(t)
	for _, d := range docs {
		for _, mode := range []schema.Mode{schema.Create, schema.Replace} {
			got, err := r.Normalize("User", decode(t, d.doc, true), decode(t, prior, true), schema.Options{Mode: mode})
			if err != nil {
				t.Errorf("%s, mode %d: Normalize = %v", d.name, mode, err)
				continue
			}
			if diff := cmp.Diff(decode(t, want, false), canonicalJSON(t, got)); diff != "" {
				t.Errorf("%s, mode %d: Normalize mismatch (-want +got):\n%s", d.name, mode, diff)
			}
		}
	}
	_, err := r.Normalize("User", decode(t, `{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Metadata:costCode":"c",
		"urn:ietf:params:scim:schemas:extension:2.0:Metadata:tier":"Gold"}`, true), nil, schema.Options{Mode: schema.Replace})
	var se *schema.Error
	if !errors.As(err, &se) || se.ScimType != "invalidValue" || se.Attr != metadataURN+":tier" {
		t.Errorf("a full path outside the canonical values = %v, want invalidValue on %s:tier", err, metadataURN)
	}
}
