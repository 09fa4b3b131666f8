package sqlcheck

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/scim/filter"
)

const (
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	customURN     = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
	tenant        = "t1"
)

// attrs describes the attributes of the sample documents (canonical spelling).
var attrs = map[string]filter.Attr{
	"id":                              {CaseExact: true},
	"externalId":                      {CaseExact: true},
	"userName":                        {},
	"displayName":                     {},
	"title":                           {},
	"userType":                        {},
	"active":                          {Type: filter.Boolean},
	"name":                            {Type: filter.Complex},
	"name.familyName":                 {},
	"name.givenName":                  {},
	"emails":                          {Type: filter.Complex, MultiValued: true},
	"emails.value":                    {},
	"emails.type":                     {},
	"emails.primary":                  {Type: filter.Boolean},
	"roles":                           {Type: filter.Complex, MultiValued: true},
	"roles.value":                     {},
	"roles.type":                      {},
	"roles.display":                   {},
	"roles.primary":                   {Type: filter.Boolean},
	"members":                         {Type: filter.Complex, MultiValued: true},
	"members.value":                   {CaseExact: true},
	"meta":                            {Type: filter.Complex},
	"meta.created":                    {Type: filter.DateTime},
	"meta.lastModified":               {Type: filter.DateTime},
	"meta.resourceType":               {CaseExact: true},
	"schemas":                         {Type: filter.Reference, CaseExact: true, MultiValued: true},
	enterpriseURN + ":employeeNumber": {},
	enterpriseURN + ":department":     {},
	enterpriseURN + ":manager":        {Type: filter.Complex},
	enterpriseURN + ":manager.value":  {CaseExact: true},
	customURN + ":folders":            {MultiValued: true},
	customURN + ":level":              {Type: filter.Integer},
	customURN + ":hired":              {Type: filter.DateTime},
}

// canonical spells p as the schema does.
func canonical(p filter.AttrPath) filter.AttrPath {
	if strings.EqualFold(p.URN, "urn:ietf:params:scim:schemas:core:2.0:User") || strings.EqualFold(p.URN, "urn:ietf:params:scim:schemas:core:2.0:Group") {
		p.URN = ""
	}
	for k := range attrs {
		kp, err := filter.ParseAttrPath(k)
		if err != nil {
			panic(err)
		}
		if strings.EqualFold(kp.URN, p.URN) && strings.EqualFold(kp.Name, p.Name) {
			p.URN, p.Name = kp.URN, kp.Name
			if kp.Sub != "" && strings.EqualFold(kp.Sub, p.Sub) {
				p.Sub = kp.Sub
			}
		}
	}
	return p
}

func resolve(p filter.AttrPath) (filter.Attr, bool) {
	p = canonical(p)
	p.Pos = 0
	a, ok := attrs[p.String()]
	return a, ok
}

var userMapping = &filter.Mapping{
	Doc: "r.doc",
	Columns: map[string]filter.Column{
		"id":                {Name: "r.id"},
		"externalId":        {Name: "r.external_id"},
		"userName":          {Name: "r.user_name", NoCase: true},
		"displayName":       {Name: "r.display_name", NoCase: true},
		"active":            {Name: "r.active", Type: filter.Boolean},
		"meta.created":      {Name: "r.created", Type: filter.DateTime},
		"meta.lastModified": {Name: "r.modified", Type: filter.DateTime},
	},
	Tables: map[string]filter.Table{
		"emails": {From: "user_emails e", Where: "e.tenant_id = r.tenant_id AND e.user_id = r.id", Cols: map[string]filter.Column{
			"value":   {Name: "e.value"},
			"type":    {Name: "e.type"},
			"primary": {Name: "e.is_primary", Type: filter.Boolean},
		}},
	},
	Canonical: canonical,
}

var groupMapping = &filter.Mapping{
	Doc: "r.doc",
	Columns: map[string]filter.Column{
		"id":                {Name: "r.id"},
		"externalId":        {Name: "r.external_id"},
		"displayName":       {Name: "r.display_name", NoCase: true},
		"meta.created":      {Name: "r.created", Type: filter.DateTime},
		"meta.lastModified": {Name: "r.modified", Type: filter.DateTime},
	},
	Tables: map[string]filter.Table{
		"members": {From: "group_members m", Where: "m.tenant_id = r.tenant_id AND m.group_id = r.id", Cols: map[string]filter.Column{
			"value": {Name: "m.member_id"},
		}},
	},
	Canonical: canonical,
}

// semiJoin returns m with its side tables written as uncorrelated semi-joins
// (Table.Key and Ref), scoped by tenant, the placeholder of the query's first
// parameter.
func semiJoin(m *filter.Mapping, tenant string, refs map[string]string) *filter.Mapping {
	out := *m
	out.Tables = map[string]filter.Table{}
	for name, t := range m.Tables {
		alias := t.From[len(t.From)-1:]
		t.Where = alias + ".tenant_id = " + tenant
		t.Key, t.Ref = "r.id", refs[name]
		out.Tables[name] = t
	}
	return &out
}

func load(t *testing.T, name string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	if err := json.Unmarshal(data, &docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

func str(doc map[string]any, key string) any {
	v, ok := doc[key].(string)
	if !ok {
		return nil
	}
	return v
}

func stamp(t *testing.T, doc map[string]any, key string) string {
	t.Helper()
	meta, _ := doc["meta"].(map[string]any)
	s, _ := meta[key].(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC().Format(filter.TimeLayout)
}

func truthy(v any) bool {
	b, ok := v.(bool)
	if ok {
		return b
	}
	s, _ := v.(string)
	return strings.EqualFold(s, "true")
}

// row is one row of the sample data: its table and its values in column order.
type row struct {
	table string
	vals  []any
}

// sampleRows lays users and groups out in the tables of both stores: users,
// user_emails, groups and group_members. A document is its JSON text; times are
// text in filter.TimeLayout.
func sampleRows(t *testing.T, users, groups []map[string]any) []row {
	t.Helper()
	var rows []row
	for _, u := range users {
		doc, _ := json.Marshal(u)
		rows = append(rows, row{"users", []any{tenant, u["id"], u["userName"], str(u, "externalId"),
			str(u, "displayName"), truthy(u["active"]), stamp(t, u, "created"), stamp(t, u, "lastModified"), string(doc)}})
		emails, _ := u["emails"].([]any)
		for _, e := range emails {
			e := e.(map[string]any)
			rows = append(rows, row{"user_emails", []any{tenant, u["id"], str(e, "value"), str(e, "type"), truthy(e["primary"])}})
		}
	}
	for _, g := range groups {
		doc, _ := json.Marshal(g)
		rows = append(rows, row{"groups", []any{tenant, g["id"], g["displayName"], str(g, "externalId"),
			stamp(t, g, "created"), stamp(t, g, "lastModified"), string(doc)}})
		members, _ := g["members"].([]any)
		for _, m := range members {
			rows = append(rows, row{"group_members", []any{tenant, g["id"], m.(map[string]any)["value"]}})
		}
	}
	return rows
}

// filters returns the valid filters of testdata/filters.txt followed by extra cases.
func filters(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "filters.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# Errors") {
			break
		}
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return append(out, extra...)
}

var extra = []string{
	`userName eq "BJENSEN@example.com"`,
	`userName sw "b"`, `userName ew "COM"`, `userName co "_user"`, `userName co "%"`,
	`displayName co ""`, `displayName pr`, `displayName eq ""`, `displayName ne "babs jensen"`,
	`externalId eq "Ext-1"`, `externalId eq "EXT-1"`, `externalId eq "ext-1"`, `externalId sw "Ext"`, `externalId co "xt-"`, `externalId ew "-1"`,
	`externalId pr`, `externalId ne "Ext-1"`, `externalId gt "EXT-1"`, `externalId lt "ext"`,
	`id eq "U1"`, `id eq "u1"`, `id ge "u2"`,
	`userName gt "j"`, `userName lt "C"`, `userName le "jsmith"`, `userName ge "ZOE"`,
	`title eq "tour guide"`, `title ne "Tour Guide"`, `title co "our"`, `title gt "S"`,
	`name pr`, `name.familyName pr`, `name.givenName sw "bar"`, `name.familyName ne "jensen"`,
	`emails pr`, `emails.type pr`, `emails eq "BJENSEN@example.com"`, `emails.value ew ".org"`,
	`emails.type ne "work"`, `emails.type eq "home"`, `emails[type eq "home" and value co "example.com"]`,
	`emails[not (type eq "work")]`, `emails[primary eq true]`, `emails[primary eq "True"]`, `emails.primary eq true`,
	`emails[value pr]`, `emails[type ne "work"]`, `not (emails[type eq "work"])`,
	`emails[type eq "work"].value eq "BJENSEN@example.com"`, `emails[type eq "home"].value eq "bjensen@example.com"`,
	`emails[type eq "work"].value pr`, `emails[type eq "work"].value ne "bjensen@example.com"`, `emails[type eq "work"].primary eq true`,
	`not (emails[type eq "work"].value co "example")`,
	`active eq true`, `active eq false`, `active eq "True"`, `active eq "false"`, `active ne true`, `active gt false`, `active eq "yes"`, `active pr`,
	`meta.created gt "2020-01-01T08:00:00Z"`, `meta.created ge "2020-01-01T08:00:00Z"`, `meta.created lt "2020-01-01T08:00:00.001Z"`,
	`meta.created eq "2024-03-01T01:00:00+01:00"`, `meta.lastModified le "2011-05-13T04:42:34.5Z"`, `meta.lastModified ne "2030-12-31T23:59:59Z"`,
	`meta.resourceType eq "User"`, `meta.resourceType eq "user"`,
	`roles[primary eq "True"]`, `roles[primary eq true]`, `roles[primary eq false]`, `roles[primary ne true]`, `roles[value eq "admin"]`,
	`roles eq "Reader"`, `roles.value eq "admin"`, `roles.primary eq "true"`, `roles pr`, `roles.display pr`, `roles.type ne "x"`,
	`roles[not (primary eq true) and value sw "a"]`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "100009"`,
	`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq "tour operations"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "u3"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u3"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department ne "Tour Operations"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders eq "hr"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders[value sw "sa"]`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders ne "Sales"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders pr`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level gt 3`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level ge 3.0`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level eq 12`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level lt 1e1`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level eq "12"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level ne 3`,
	`nickName eq "x"`, `nickName ne "x"`, `nickName pr`, `title eq null`, `title ne null`, `emails eq null`, `emails ne null`,
	`not (title pr) or not (displayName pr)`, `not (not (active eq true))`,
	`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
	`schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"`,
	// Groups.
	`displayName eq "displayname"`, `id eq "g1" and members[value eq "u2"]`, `id eq "g2" and members[value eq "u2"]`,
	`members.value eq "u3"`, `members eq "u1"`, `members[value eq "U1"]`, `members pr`, `members.value ne "u3"`,
	`not (members pr)`, `members[value eq "u1" or value eq "u3"]`, `members[not (value eq "u1")]`,
	// A dateTime in the document: with an offset, with nanoseconds (PostgreSQL keeps
	// microseconds), and without a time zone (u3, which Match never matches).
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "2020-01-01T08:00:00Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired eq "2020-01-01T08:00:00.123456789Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired ge "2020-01-01T08:00:00.123Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired lt "2020-01-01T08:00:00.124Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired eq "2011-05-13T06:42:34+02:00"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired le "2011-05-13T04:42:34Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired ne "2011-05-13T04:42:34Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired lt "2999-01-01T00:00:00Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired pr`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired sw "2024"`,
	// Literals Go reads as RFC 3339 and PostgreSQL does not read as text.
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "2020-01-01T23:00:00+23:00"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "0000-01-01T00:00:00Z"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired eq "2020-01-01T08:00:00,123456789Z"`,
	`meta.created co "2011"`, `meta.created sw "2011-05"`,
	// Letters beyond ASCII; LIKE wildcards and backslash in values and literals.
	`userType eq "BÉNÉVOLE"`, `userType co "ÉVO"`, `userType gt "BÉNÉVOLA"`, `userType lt "bénévolz"`, `userType ew "OLE"`,
	`nickName eq "zoë_50%"`, `nickName co "_5"`, `nickName co "%"`, `nickName ew "0%"`, `nickName sw "zoë_"`, `nickName gt "ZOË"`,
	`nickName co "\\"`, `externalId co "_"`, `externalId co "%"`, `id co "_"`,
	// Literals of another type than the attribute.
	`userType eq "true"`, `nickName eq "True"`, `userName eq true`, `externalId eq false`, `userName eq 1`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level co "1"`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders eq true`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders gt 3`,
	`schemas eq "True"`, `title gt null`, `emails gt null`, `members gt null`,
	// Numbers: exact, fractional, negative zero, beyond int64 and beyond float64.
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level eq 12.0`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level ge 2.5`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level gt -0`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level gt 12345678901234567890`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level lt 1e400`,
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level ne 1e400`,
	// Presence and order of JSON values of every type.
	`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:level pr`, `roles.primary pr`, `active pr`, `schemas pr`,
	`schemas[value eq "urn:ietf:params:scim:schemas:core:2.0:User"]`,
	`meta.resourceType gt "Group"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value gt "u"`,
	`roles[display gt "A"]`, `roles.display lt "b"`, `emails.value gt "b"`, `emails[value lt "c"]`,
}

// database is a database holding the sample rows.
type database struct {
	dialect filter.Dialect
	// tenant is the placeholder of a query's first parameter, the tenant.
	tenant string
	// ids runs q and returns the first column of its rows.
	ids func(q string, args []any) ([]string, error)
}

// exceptions lists every filter on which a dialect's SQL selects other resources than
// Match, by the difference Compile documents. A listed filter that agrees fails the
// test, so the list stays short and true.
var exceptions = []struct {
	dialect filter.Dialect
	why     string
	table   string
	filters []string
}{
	{filter.SQLite, "case-insensitive comparisons fold ASCII letters only", "users", []string{
		`userType eq "BÉNÉVOLE"`,
		`userType co "ÉVO"`,
	}},
	{filter.SQLite, "a dateTime in the document without a time zone is read as UTC", "users", []string{
		`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "2020-01-01T08:00:00Z"`,
		`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired ge "2020-01-01T08:00:00.123Z"`,
		`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired lt "2999-01-01T00:00:00Z"`,
		`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "0000-01-01T00:00:00Z"`,
	}},
	{filter.SQLite, "a dateTime with an offset of 15 hours or more or a decimal comma matches nothing", "users", []string{
		`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired gt "2020-01-01T23:00:00+23:00"`,
		`urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:hired eq "2020-01-01T08:00:00,123456789Z"`,
	}},
}

// exception returns why d's SQL for f on table may differ from Match, if it is listed.
func exception(d filter.Dialect, table, f string) (string, bool) {
	for _, e := range exceptions {
		if e.dialect == d && e.table == table && slices.Contains(e.filters, f) {
			return e.why, true
		}
	}
	return "", false
}

func TestCompileMatchesEvaluator(t *testing.T) {
	users, groups := load(t, "users.json"), load(t, "groups.json")
	rows := sampleRows(t, users, groups)
	t.Run("sqlite", func(t *testing.T) {
		compare(t, openSQLite(t, rows), users, groups)
	})
	t.Run("postgres", func(t *testing.T) {
		compare(t, openPostgres(t, rows), users, groups)
	})
}

// compare runs every filter through Compile on db and through Match, in both forms
// of side-table condition, and reports where they select different resources.
func compare(t *testing.T, db database, users, groups []map[string]any) {
	forms := []struct {
		name          string
		users, groups *filter.Mapping
	}{
		{"exists", userMapping, groupMapping},
		{"semijoin", semiJoin(userMapping, db.tenant, map[string]string{"emails": "e.user_id"}),
			semiJoin(groupMapping, db.tenant, map[string]string{"members": "m.group_id"})},
	}
	for _, form := range forms {
		t.Run(form.name, func(t *testing.T) {
			resources := []resource{{"users", users, form.users}, {"groups", groups, form.groups}}
			agreed, excepted := 0, 0
			for _, f := range filters(t) {
				e, err := filter.Parse(f)
				if err != nil {
					t.Fatalf("Parse(%q) = %v", f, err)
				}
				for _, res := range resources {
					switch check(t, db, res, f, e) {
					case agree:
						agreed++
					case listed:
						excepted++
					}
				}
			}
			t.Logf("%d filter/resource pairs agree; %d listed exceptions differ", agreed, excepted)
			if agreed < 300 {
				t.Errorf("%d filter/resource pairs agree, want at least 300", agreed)
			}
		})
	}
}

// resource is a table of the sample database, the documents in it, and its mapping.
type resource struct {
	table   string
	docs    []map[string]any
	mapping *filter.Mapping
}

// outcome is what check found.
type outcome int

const (
	skip   outcome = iota // not compiled, or failed
	agree                 // SQL and Match select the same resources
	listed                // they differ, as exceptions lists
)

// check compares the resources of res that e (the text f) selects in SQL on db with
// those Match selects.
func check(t *testing.T, db database, res resource, f string, e filter.Expr) outcome {
	t.Helper()
	where, args, err := filter.Compile(e, res.mapping, resolve, db.dialect, 1)
	if err != nil {
		if !strings.Contains(err.Error(), "cannot be filtered") && !strings.Contains(err.Error(), "invalid dateTime") {
			t.Errorf("Compile(%q) = %v", f, err)
		}
		return skip
	}
	var want []string
	for _, doc := range res.docs {
		if filter.Match(e, doc, resolve) {
			want = append(want, doc["id"].(string))
		}
	}
	q := "SELECT r.id FROM " + res.table + " r WHERE r.tenant_id = " + db.tenant + " AND (" + where + ")"
	got, err := db.ids(q, append([]any{tenant}, args...))
	if err != nil {
		t.Errorf("%s: filter %q: %v\nWHERE %s\nargs %#v", res.table, f, err, where, args)
		return skip
	}
	slices.Sort(got)
	why, isListed := exception(db.dialect, res.table, f)
	switch same := slices.Equal(want, got); {
	case same && isListed:
		t.Errorf("%s: filter %q: SQL and Match agree, but it is listed as an exception (%s)", res.table, f, why)
	case same:
		return agree
	case isListed:
		return listed
	default:
		t.Errorf("%s: filter %q: SQL selects %v, Match selects %v\nWHERE %s\nargs %#v", res.table, f, got, want, where, args)
	}
	return skip
}
