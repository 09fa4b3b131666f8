package sqlcheck

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/rosterhq/roster/scim/filter"
)

const (
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	customURN     = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
	tenant        = "t1"
)

const schema = `
CREATE TABLE users (
	tenant_id TEXT NOT NULL, id TEXT NOT NULL,
	user_name TEXT NOT NULL COLLATE NOCASE, external_id TEXT, display_name TEXT COLLATE NOCASE,
	active INTEGER NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL, doc TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id));
CREATE TABLE user_emails (tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, value TEXT, type TEXT, is_primary INTEGER);
CREATE TABLE groups (
	tenant_id TEXT NOT NULL, id TEXT NOT NULL, display_name TEXT NOT NULL COLLATE NOCASE, external_id TEXT,
	created TEXT NOT NULL, modified TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE group_members (tenant_id TEXT NOT NULL, group_id TEXT NOT NULL, member_id TEXT NOT NULL);
`

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
// (Table.Key and Ref), scoped by the query's first placeholder, the tenant.
func semiJoin(m *filter.Mapping, refs map[string]string) *filter.Mapping {
	out := *m
	out.Tables = map[string]filter.Table{}
	for name, t := range m.Tables {
		alias := t.From[len(t.From)-1:]
		t.Where = alias + ".tenant_id = ?1"
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

func openDB(t *testing.T, users, groups []map[string]any) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "check.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(schema)
	for _, u := range users {
		doc, _ := json.Marshal(u)
		exec(`INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tenant, u["id"], u["userName"], str(u, "externalId"),
			str(u, "displayName"), truthy(u["active"]), stamp(t, u, "created"), stamp(t, u, "lastModified"), string(doc))
		emails, _ := u["emails"].([]any)
		for _, e := range emails {
			e := e.(map[string]any)
			exec(`INSERT INTO user_emails VALUES (?, ?, ?, ?, ?)`, tenant, u["id"], str(e, "value"), str(e, "type"), truthy(e["primary"]))
		}
	}
	for _, g := range groups {
		doc, _ := json.Marshal(g)
		exec(`INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?, ?)`, tenant, g["id"], g["displayName"], str(g, "externalId"),
			stamp(t, g, "created"), stamp(t, g, "lastModified"), string(doc))
		members, _ := g["members"].([]any)
		for _, m := range members {
			exec(`INSERT INTO group_members VALUES (?, ?, ?)`, tenant, g["id"], m.(map[string]any)["value"])
		}
	}
	return db
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
}

func TestCompileMatchesEvaluator(t *testing.T) {
	users, groups := load(t, "users.json"), load(t, "groups.json")
	db := openDB(t, users, groups)
	resources := []struct {
		table   string
		docs    []map[string]any
		mapping *filter.Mapping
	}{
		{"users", users, userMapping},
		{"groups", groups, groupMapping},
		{"users", users, semiJoin(userMapping, map[string]string{"emails": "e.user_id"})},
		{"groups", groups, semiJoin(groupMapping, map[string]string{"members": "m.group_id"})},
	}
	checked := 0
	for _, f := range filters(t) {
		e, err := filter.Parse(f)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", f, err)
		}
		for _, res := range resources {
			where, args, err := filter.Compile(e, res.mapping, resolve, filter.SQLite, 1)
			if err != nil {
				if strings.Contains(err.Error(), "cannot be filtered") || strings.Contains(err.Error(), "invalid dateTime") {
					continue
				}
				t.Errorf("Compile(%q) = %v", f, err)
				continue
			}
			var want []string
			for _, doc := range res.docs {
				if filter.Match(e, doc, resolve) {
					want = append(want, doc["id"].(string))
				}
			}
			got := query(t, db, res.table, where, args)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: filter %q: SQL selects %v, Match selects %v\nWHERE %s\nargs %v", res.table, f, got, want, where, args)
			}
			checked++
		}
	}
	t.Logf("checked %d", checked)
	if checked < 200 {
		t.Errorf("checked %d filter/resource pairs, want at least 200", checked)
	}
}

func query(t *testing.T, db *sql.DB, table, where string, args []any) []string {
	t.Helper()
	q := "SELECT r.id FROM " + table + " r WHERE r.tenant_id = ? AND (" + where + ") ORDER BY r.id"
	rows, err := db.Query(q, append([]any{tenant}, args...)...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}
