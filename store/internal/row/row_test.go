package row

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/rosterhq/roster"
)

func TestDocRoundTrip(t *testing.T) {
	doc := map[string]any{"userName": "ada", "n": json.Number("12345678901234567890"), "name": map[string]any{"givenName": "Ada"}}
	s, err := EncodeDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeDoc([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if s, _ := EncodeDoc(nil); s != "{}" {
		t.Errorf("EncodeDoc(nil) = %q, want {}", s)
	}
	if _, err := EncodeDoc(map[string]any{"x": func() {}}); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("EncodeDoc(func) = %v, want EINVALID", err)
	}
	if _, err := DecodeDoc([]byte("[1]")); err == nil {
		t.Errorf("DecodeDoc([1]) succeeded")
	}
}

func TestDecodeDoc(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]any
		wantErr bool
	}{
		{"object", `{"a":[1.50,{"b":null}],"c":"\u00e9"}`, map[string]any{"a": []any{json.Number("1.50"), map[string]any{"b": nil}}, "c": "é"}, false},
		{"jsonb spacing", `{"a": 1, "b": [true, false]}`, map[string]any{"a": json.Number("1"), "b": []any{true, false}}, false},
		{"empty object", `{}`, map[string]any{}, false},
		{"null", `null`, map[string]any{}, false},
		{"empty", ``, nil, true},
		{"array", `[1]`, nil, true},
		{"string", `"a"`, nil, true},
		{"truncated", `{"a":1`, nil, true},
		{"trailing data", `{"a":1}x`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeDoc([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("DecodeDoc(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "bad stored document: ") {
				t.Errorf("DecodeDoc(%q) error %q, want it to start with \"bad stored document: \"", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeDoc(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestCheckVersion(t *testing.T) {
	if err := CheckVersion("user", "u", 3, 0); err != nil {
		t.Errorf("no precondition: %v", err)
	}
	if err := CheckVersion("user", "u", 3, 3); err != nil {
		t.Errorf("current version: %v", err)
	}
	if err := CheckVersion("user", "u", 3, 2); roster.ErrorCode(err) != roster.EPRECONDITION {
		t.Errorf("stale version: %v, want EPRECONDITION", err)
	}
}

func TestInOrder(t *testing.T) {
	got := InOrder([]string{"c", "a"}, []string{"a", "b", "c", "a"})
	if diff := cmp.Diff([]string{"a", "c"}, got); diff != "" {
		t.Errorf("InOrder (-want +got):\n%s", diff)
	}
	if InOrder(nil, []string{"a"}) != nil {
		t.Errorf("InOrder of nothing is not nil")
	}
}

func TestGroupRefs(t *testing.T) {
	gs, err := GroupRefs([]byte(`[["g1","Sales"],["g2","Ops"]]`))
	if err != nil || len(gs) != 2 || gs[1] != (roster.GroupRef{ID: "g2", DisplayName: "Ops"}) {
		t.Errorf("GroupRefs = %v, %v", gs, err)
	}
	if gs, err := GroupRefs([]byte(`[]`)); gs != nil || err != nil {
		t.Errorf("GroupRefs([]) = %v, %v; want nil", gs, err)
	}
}

func TestEntitlementsRoundTrip(t *testing.T) {
	e := roster.Entitlements{Active: true, Licenses: []string{"E3"}, AccessRole: "Editor", Roles: []string{"Auditor"}}
	s, err := EncodeEntitlements(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEntitlements([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if s, _ := EncodeEntitlements(roster.Entitlements{}); s != `{"active":false}` {
		t.Errorf("EncodeEntitlements(zero) = %s, want {\"active\":false}", s)
	}
	if _, err := DecodeEntitlements([]byte(`[`)); err == nil {
		t.Errorf("DecodeEntitlements([) succeeded")
	}
}

func TestUniqueValues(t *testing.T) {
	attrs, values := UniqueValues(map[string]string{"b": "2", "a": "1", "empty": "", "c": "3"})
	if diff := cmp.Diff([]string{"a", "b", "c"}, attrs); diff != "" {
		t.Errorf("UniqueValues attrs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1", "2", "3"}, values); diff != "" {
		t.Errorf("UniqueValues values (-want +got):\n%s", diff)
	}
	if err := UniqueTaken(attrs, values, []string{"c", "a", "b"}); err != nil {
		t.Errorf("UniqueTaken(all inserted) = %v", err)
	}
	err := UniqueTaken(attrs, values, []string{"a"})
	var re *roster.Error
	if !errors.As(err, &re) || re.Code != roster.ECONFLICT || re.Attr != "b" || re.Detail != `b "2" is already taken` {
		t.Errorf("UniqueTaken(a inserted) = %#v, want ECONFLICT about b", err)
	}
}

func TestSameEmails(t *testing.T) {
	work := roster.Email{Value: "a@x.com", Type: "work", Primary: true}
	home := roster.Email{Value: "b@x.com", Type: "home"}
	for _, tc := range []struct {
		stored, emails []roster.Email
		same           bool
	}{
		{nil, nil, true},
		{nil, []roster.Email{{Value: ""}}, true},
		{[]roster.Email{work}, []roster.Email{work}, true},
		{[]roster.Email{work}, []roster.Email{{Value: ""}, work}, true},
		{[]roster.Email{work, home}, []roster.Email{home, work}, false},
		{[]roster.Email{work}, []roster.Email{work, home}, false},
		{[]roster.Email{work, home}, []roster.Email{work}, false},
		{[]roster.Email{work}, []roster.Email{{Value: "A@x.com", Type: "work", Primary: true}}, false},
		{[]roster.Email{work}, []roster.Email{{Value: "a@x.com", Type: "work"}}, false},
	} {
		if got := SameEmails(tc.stored, tc.emails); got != tc.same {
			t.Errorf("SameEmails(%v, %v) = %v", tc.stored, tc.emails, got)
		}
	}
}

func TestSameUnique(t *testing.T) {
	for _, tc := range []struct {
		stored, unique map[string]string
		same           bool
	}{
		{map[string]string{}, nil, true},
		{map[string]string{}, map[string]string{"workEmail": ""}, true},
		{map[string]string{"workEmail": "a@x.com"}, map[string]string{"workEmail": "a@x.com"}, true},
		{map[string]string{"workEmail": "a@x.com"}, map[string]string{"workEmail": "b@x.com"}, false},
		{map[string]string{"workEmail": "a@x.com"}, nil, false},
		{map[string]string{}, map[string]string{"workEmail": "a@x.com"}, false},
		{map[string]string{"a": "1"}, map[string]string{"b": "1"}, false},
	} {
		if got := SameUnique(tc.stored, tc.unique); got != tc.same {
			t.Errorf("SameUnique(%v, %v) = %v", tc.stored, tc.unique, got)
		}
	}
}

// TestNewID checks that ids are version 7 UUIDs that sort in the order they
// were made, which keeps the id indexes' inserts at their end.
func TestNewID(t *testing.T) {
	prev := ""
	for i := range 1000 {
		id := NewID()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 {
			t.Fatalf("NewID() = %q (version %d, %v); want a version 7 UUID", id, u.Version(), err)
		}
		if id <= prev {
			t.Fatalf("id %d %q does not sort after the one before, %q", i, id, prev)
		}
		prev = id
	}
}

func TestGroupNameKey(t *testing.T) {
	tests := []struct {
		name string
		g    roster.Group
		want string
	}{
		{"reserved", roster.Group{DisplayName: "Sales EMEA", ReserveName: true}, "sales emea"},
		{"reserved, beyond ASCII", roster.Group{DisplayName: "ÄRGER", ReserveName: true}, "ärger"},
		{"not reserved", roster.Group{DisplayName: "Sales"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GroupNameKey(&tt.g); got != tt.want {
				t.Errorf("GroupNameKey(%+v) = %q, want %q", tt.g, got, tt.want)
			}
		})
	}
	err := GroupNameTaken("Sales", "g1")
	if roster.ErrorCode(err) != roster.ECONFLICT || roster.ErrorDetail(err) != `displayName "Sales" is already taken by group g1` {
		t.Errorf("GroupNameTaken = %v", err)
	}
}

func TestPrefix(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ada", `ada%`},
		{"", `%`},
		{`50%_a\b`, `50\%\_a\\b%`},
	} {
		if got := Prefix(c.in); got != c.want {
			t.Errorf("Prefix(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestGroupKept(t *testing.T) {
	k, err := DecodeGroupKept([]byte(`{"member_users": ["u1", "u2"], "member_groups": ["g1"], "groups": ["p1"]}`))
	if err != nil {
		t.Fatalf("DecodeGroupKept = %v", err)
	}
	want := []roster.Member{{ID: "u1", Type: roster.MemberUser}, {ID: "u2", Type: roster.MemberUser}, {ID: "g1", Type: roster.MemberGroup}}
	if diff := cmp.Diff(want, k.Members()); diff != "" || !cmp.Equal(k.Groups, []string{"p1"}) {
		t.Errorf("kept members mismatch (-want +got):\n%s\ngroups %v", diff, k.Groups)
	}
	if _, err := DecodeGroupKept([]byte(`[]`)); err == nil {
		t.Error("DecodeGroupKept([]) = nil, want an error")
	}
	for _, tt := range []struct{ name, holder, attr, detail string }{
		{"name", "g2", "displayName", `displayName "Sales" is taken by live group g2`},
		{"id", "g1", "", `id "g1" is taken by a live group`},
	} {
		err := RestoreTaken("g1", "Sales", tt.holder)
		var re *roster.Error
		if !errors.As(err, &re) || re.Code != roster.ECONFLICT || re.Attr != tt.attr || re.Detail != tt.detail {
			t.Errorf("RestoreTaken(%s) = %#v, want ECONFLICT on %q: %s", tt.name, err, tt.attr, tt.detail)
		}
	}
}
