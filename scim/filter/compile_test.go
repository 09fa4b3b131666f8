package filter

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// testMapping lays out users as Roster's stores do.
var testMapping = &Mapping{
	Doc: "r.doc",
	Columns: map[string]Column{
		"id":                {Name: "r.id"},
		"externalId":        {Name: "r.external_id"},
		"userName":          {Name: "r.user_name", NoCase: true},
		"displayName":       {Name: "r.display_name", NoCase: true},
		"active":            {Name: "r.active", Type: Boolean},
		"meta.created":      {Name: "r.created", Type: DateTime},
		"meta.lastModified": {Name: "r.modified", Type: DateTime},
	},
	Tables: map[string]Table{
		"emails": {From: "user_emails e", Where: "e.tenant_id = r.tenant_id AND e.user_id = r.id", Cols: map[string]Column{
			"value": {Name: "e.value"}, "type": {Name: "e.type"}, "primary": {Name: "e.is_primary", Type: Boolean},
		}},
		"members": {From: "group_members m", Where: "m.tenant_id = r.tenant_id AND m.group_id = r.id", Cols: map[string]Column{
			"value": {Name: "m.member_id"},
		}},
	},
	Canonical: func(p AttrPath) AttrPath {
		for _, name := range []string{"userName", "externalId", "displayName", "emails", "members", "roles", "meta", "name", "department", "manager"} {
			if strings.EqualFold(p.Name, name) {
				p.Name = name
			}
		}
		if strings.EqualFold(p.URN, enterpriseURN) {
			p.URN = enterpriseURN
		}
		return p
	},
}

var compileFilters = []string{
	`userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"`,
	`USERNAME eq "x"`,
	`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`,
	`displayName eq "displayName"`,
	`id eq "G" and members[value eq "U"]`,
	`members.value eq "x"`,
	`members eq "x"`,
	`emails co "@x"`,
	`emails[type eq "work" and primary eq true]`,
	`emails[type eq "work"].value eq "user@contoso.com"`,
	`emails[type eq "work"].display eq "x"`,
	`emails.type ne "work"`,
	`emails pr`,
	`userName sw "a_b%c\\d"`,
	`externalId ew "X"`,
	`externalId co "X"`,
	`userName gt "m"`,
	`active eq true`,
	`active eq "False"`,
	`active ne true`,
	`meta.lastModified gt "2011-05-13T04:42:34+02:00"`,
	`title pr`,
	`title eq null`,
	`title ne "x"`,
	`not (title co "boss" or userType eq "Intern")`,
	`name.familyName co "O'Malley"`,
	`roles[primary eq "True"]`,
	`roles.value eq "Admin"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "m1"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders eq "Finance"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level ge 10`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level lt 1e400`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "2011-05-13T04:42:34.1234567+02:00"`,
	`meta.created lt "2020-01-01T00:00:00Z" and meta.lastModified ge "2020-01-01T00:00:00Z"`,
}

func TestCompileGolden(t *testing.T) {
	var b strings.Builder
	for _, f := range compileFilters {
		e, err := Parse(f)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", f, err)
		}
		fmt.Fprintf(&b, "in:       %s\n", f)
		for _, d := range []struct {
			name string
			d    Dialect
		}{{"sqlite", SQLite}, {"postgres", Postgres}} {
			where, args, err := Compile(e, testMapping, testResolver, d.d, 1)
			if err != nil {
				fmt.Fprintf(&b, "%-9s err %v\n", d.name+":", err)
				continue
			}
			if strings.Contains(where, "Malley") || strings.Contains(where, "Test_User") {
				t.Errorf("Compile(%q) = %s: value written into SQL", f, where)
			}
			fmt.Fprintf(&b, "%-9s %s\n%-9s %#v\n", d.name+":", where, "", args)
		}
		b.WriteString("\n")
	}
	golden(t, "compile.golden", b.String())
}

func TestCompileError(t *testing.T) {
	tests := []struct {
		name, filter, want string
	}{
		{"unmapped sub-attribute", `members[display eq "x"]`, `attribute members.display at 8 cannot be filtered`},
		{"unmapped table column", `emails.display eq "x"`, `attribute emails.display at 0 cannot be filtered`},
		{"bad dateTime", `meta.created gt "yesterday"`, `invalid dateTime "yesterday" at 0: want RFC 3339`},
		{"year 0", `meta.created gt "0000-01-01T00:00:00Z"`, `invalid dateTime "0000-01-01T00:00:00Z" at 0: year outside 0001 to 9999 in UTC`},
		{"year 0 in UTC", `meta.created gt "0001-01-01T00:30:00+01:00"`, `invalid dateTime "0001-01-01T00:30:00+01:00" at 0: year outside 0001 to 9999 in UTC`},
		{"year 10000 in UTC", `meta.created lt "9999-12-31T23:30:00-01:00"`, `invalid dateTime "9999-12-31T23:30:00-01:00" at 0: year outside 0001 to 9999 in UTC`},
		{"offset past 14:59", `meta.created gt "2020-01-01T00:00:00+15:00"`, `invalid dateTime "2020-01-01T00:00:00+15:00" at 0: time zone offset past ±14:59`},
		{"negative offset past 14:59", `meta.created gt "2020-01-01T00:00:00-23:59"`, `invalid dateTime "2020-01-01T00:00:00-23:59" at 0: time zone offset past ±14:59`},
		{"offset hour 99", `meta.created gt "2020-01-01T00:00:00+99:00"`, `invalid dateTime "2020-01-01T00:00:00+99:00" at 0: want RFC 3339`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = Compile(e, testMapping, testResolver, SQLite, 0)
			var perr *Error
			if !errors.As(err, &perr) || err.Error() != tt.want {
				t.Errorf("Compile(%q) = %v, want %q", tt.filter, err, tt.want)
			}
		})
	}
}

// TestCompileKeys checks that a JSON key with quotes never reaches the SQL text, even from
// a hand-built tree the parser would have rejected.
func TestCompileKeys(t *testing.T) {
	for _, name := range []string{`a"b`, `a'b`, `a\b`, "a\x00b", "é"} {
		e := &Compare{Attr: AttrPath{Name: name}, Op: Eq, Value: Value{Text: "x"}}
		for _, d := range []Dialect{SQLite, Postgres} {
			if where, _, err := Compile(e, testMapping, nil, d, 0); err == nil {
				t.Errorf("Compile(%q) = %s, want error", name, where)
			}
		}
	}
}

func TestCompilePlaceholders(t *testing.T) {
	e, err := Parse(`userName eq "a" and emails co "b" and title sw "c"`)
	if err != nil {
		t.Fatal(err)
	}
	where, args, err := Compile(e, testMapping, testResolver, Postgres, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range args {
		if !strings.Contains(where, fmt.Sprintf("$%d", 4+i)) {
			t.Errorf("Compile = %s, want placeholder $%d", where, 4+i)
		}
	}
	if strings.Contains(where, "$3") || strings.Contains(where, fmt.Sprintf("$%d", 4+len(args))) {
		t.Errorf("Compile = %s, want placeholders $4..$%d", where, 3+len(args))
	}
}

// TestCompileSemiJoin checks the form of side-table conditions when the table
// names Key and Ref: an uncorrelated IN, in both dialects.
func TestCompileSemiJoin(t *testing.T) {
	m := *testMapping
	m.Tables = map[string]Table{"members": {
		From: "group_members m", Where: "m.tenant_id = $1", Key: "r.id", Ref: "m.group_id",
		Cols: map[string]Column{"value": {Name: "m.member_id"}, "type": {Name: "m.type"}},
	}}
	tests := []struct {
		name, filter string
		d            Dialect
		want         string
	}{
		{"value path", `id eq "g" and members[value eq "u"]`, Postgres,
			`(r.id = $2 AND r.id IN (SELECT m.group_id FROM group_members m WHERE m.tenant_id = $1 AND m.member_id = $3))`},
		{"sub-attribute", `members.value eq "u"`, SQLite,
			`r.id IN (SELECT m.group_id FROM group_members m WHERE m.tenant_id = $1 AND m.member_id = ?)`},
		{"ne", `members ne "u"`, SQLite,
			`(NOT r.id IN (SELECT m.group_id FROM group_members m WHERE m.tenant_id = $1 AND m.member_id IS NOT NULL) OR r.id IN (SELECT m.group_id FROM group_members m WHERE m.tenant_id = $1 AND m.member_id IS NOT NULL AND NOT COALESCE(m.member_id = ?, FALSE)))`},
		{"value path compared", `members[type eq "direct"].value eq "u"`, Postgres,
			`r.id IN (SELECT m.group_id FROM group_members m WHERE m.tenant_id = $1 AND (m.type = $2 AND m.member_id = $3))`},
		{"presence", `members pr`, SQLite,
			`r.id IN (SELECT m.group_id FROM group_members m WHERE m.tenant_id = $1 AND TRUE)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			caseExact := func(AttrPath) (Attr, bool) { return Attr{Type: String, CaseExact: true}, true }
			got, _, err := Compile(e, &m, caseExact, tt.d, 1)
			if err != nil || got != tt.want {
				t.Errorf("Compile(%q) = %s, %v\nwant %s", tt.filter, got, err, tt.want)
			}
		})
	}
}
