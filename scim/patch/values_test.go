package patch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// changesString prints changes one a line for comparison.
func changesString(changes []ValueChange) string {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "%s %s\n", c.Kind, strings.Join(c.Values, ","))
	}
	return b.String()
}

func TestExtractValues(t *testing.T) {
	tests := []struct {
		name     string
		body     string      // request body file in testdata, or
		ops      []Operation // operations
		rest     string
		changes  string
		scimType string
	}{
		{name: "entra add members", body: "entra/group-add-members.json", changes: "add f648f8d5ea4e4cd38e9c\n"},
		{name: "entra remove members", body: "entra/group-remove-members.json", changes: "remove f648f8d5ea4e4cd38e9c\n"},
		{name: "entra remove member", body: "entra/group-remove-member.json", changes: "remove u1091\n"},
		{name: "entra remove member by filter", body: "entra/group-remove-member-compliant.json", changes: "remove 7f4bc1a3-285e-48ae-8202-5accb43efb0e\n"},
		{name: "entra displayName stays", body: "entra/group-replace-displayname.json",
			rest: "replace \"displayName\" \"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName\"\n"},
		{name: "rfc remove all then add", body: "rfc7644/remove-then-add-members.json",
			changes: "remove all \nadd 2819c223-7f76-453a-919d-413861904646,08e1d05d-121c-4561-8b96-473d93df9210\n"},
		{name: "rfc replace members", body: "rfc7644/replace-members.json",
			changes: "replace 2819c223-7f76-453a-919d-413861904646,08e1d05d-121c-4561-8b96-473d93df9210\n"},
		{name: "rfc remove two members", body: "rfc7644/remove-members-multiple.json",
			changes: "remove 2819c223-7f76-453a-919d-413861904646\nremove 902c246b-6245-4190-8e05-00816be7344a\n"},
		{name: "or-ed value eq", ops: ops("remove", `members[value eq "a" or value eq "b" or VALUE eq "c"]`, ""), changes: "remove a,b,c\n"},
		{name: "single object", ops: ops("Add", "Members", `{"value":"a","display":"A"}`), changes: "add a\n"},
		{name: "core URN prefix", ops: ops("add", groupURN+":members", `[{"value":"a"}]`), changes: "add a\n"},
		{name: "replace with empty list", ops: ops("replace", "members", `[]`), changes: "replace \n"},
		{name: "no-path split", ops: ops("replace", "", `{"displayName":"G","members":[{"value":"a"}]}`),
			rest: "replace \"\" {\"displayName\":\"G\"}\n", changes: "replace a\n"},
		{name: "no-path members only", ops: ops("add", "", `{"members":[{"value":"a"},{"value":"b"}]}`), changes: "add a,b\n"},
		{name: "order kept", ops: ops("replace", "displayName", `"x"`, "add", "members", `[{"value":"a"}]`, "remove", "externalId", ""),
			rest: "replace \"displayName\" \"x\"\nremove \"externalId\" \n", changes: "add a\n"},
		{name: "other filter", ops: ops("remove", `members[display eq "A"]`, ""), scimType: invalidFilter},
		{name: "and filter", ops: ops("remove", `members[value eq "a" and value eq "b"]`, ""), scimType: invalidFilter},
		{name: "replace with filter", ops: ops("replace", `members[value eq "a"]`, `{"value":"b"}`), scimType: invalidFilter},
		{name: "sub-attribute", ops: ops("replace", "members.display", `"x"`), scimType: invalidPath},
		{name: "value without id", ops: ops("add", "members", `[{"display":"A"}]`), scimType: invalidValue},
		{name: "numeric id", ops: ops("add", "members", `[{"value":5}]`), scimType: invalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.ops
			if tt.body != "" {
				in = readOps(t, tt.body)
			}
			rest, changes, err := ExtractValues(in, "members")
			if tt.scimType != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.ScimType != tt.scimType {
					t.Fatalf("ExtractValues(%s) = %v, want scimType %s", tt.name, err, tt.scimType)
				}
				return
			}
			if err != nil {
				t.Fatalf("ExtractValues(%s) = %v", tt.name, err)
			}
			if diff := cmp.Diff(tt.rest, opsString(rest)); diff != "" {
				t.Errorf("ExtractValues(%s) rest (-want +got):\n%s", tt.name, diff)
			}
			if diff := cmp.Diff(tt.changes, changesString(changes)); diff != "" {
				t.Errorf("ExtractValues(%s) changes (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}
