package filter_test

import (
	"fmt"

	"github.com/rosterhq/roster/scim/filter"
)

func ExampleParse() {
	e, err := filter.Parse(`userType EQ "Employee" and emails[type eq "work" AND value co "@example.com"]`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)

	doc := map[string]any{
		"userType": "employee",
		"emails":   []any{map[string]any{"type": "work", "value": "bjensen@example.com"}},
	}
	fmt.Println(filter.Match(e, doc, nil))

	_, err = filter.Parse(`userName eq )`)
	fmt.Println(err)
	// Output:
	// userType eq "Employee" and emails[type eq "work" and value co "@example.com"]
	// true
	// unexpected ')' at 12: expected a comparison value
}

func ExampleParsePath() {
	for _, s := range []string{
		`emails[type eq "work"].value`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
	} {
		p, err := filter.ParsePath(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("attr=%q urn=%q filter=%v sub=%q\n", p.Attr.Name, p.Attr.URN, p.Filter, p.Sub)
	}
	// Output:
	// attr="emails" urn="" filter=type eq "work" sub="value"
	// attr="manager" urn="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" filter=<nil> sub=""
}

func ExampleCompile() {
	e, _ := filter.Parse(`id eq "G" and members[value eq "U"]`)
	m := &filter.Mapping{
		Doc:     "r.doc",
		Columns: map[string]filter.Column{"id": {Name: "r.id"}},
		Tables: map[string]filter.Table{"members": {
			From:  "group_members m",
			Where: "m.tenant_id = r.tenant_id AND m.group_id = r.id",
			Cols:  map[string]filter.Column{"value": {Name: "m.member_id"}},
		}},
	}
	// id and members.value are caseExact (RFC 7643 §4.1, §4.2); everything else defaults
	// to a case-insensitive string.
	caseExact := func(p filter.AttrPath) (filter.Attr, bool) {
		if p.Name == "id" || p.Name == "members" && p.Sub == "value" {
			return filter.Attr{CaseExact: true}, true
		}
		return filter.Attr{}, false
	}
	where, args, err := filter.Compile(e, m, caseExact, filter.Postgres, 1)
	fmt.Println(where)
	fmt.Println(args, err)
	// Output:
	// (r.id = $2 AND EXISTS (SELECT 1 FROM group_members m WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id AND m.member_id = $3))
	// [G U] <nil>
}
