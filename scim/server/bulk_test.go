package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// TestPlanBulk reads operations and finds the circles of bulkId references.
func TestPlanBulk(t *testing.T) {
	post := func(id string, refs ...string) string {
		var m []string
		for _, r := range refs {
			m = append(m, fmt.Sprintf(`{"value":"bulkId:%s"}`, r))
		}
		return fmt.Sprintf(`{"method":"POST","path":"/Groups","bulkId":%q,"data":{"displayName":%q,"members":[%s]}}`, id, id, strings.Join(m, ","))
	}
	tests := []struct {
		name string
		ops  []string
		want string // each step's error code, "-" for none
	}{
		{"no references", []string{post("a"), post("b")}, "- -"},
		{"backward", []string{post("a"), post("b", "a")}, "- -"},
		{"forward, no circle", []string{post("b", "a"), post("a")}, "- -"},
		{"two in a circle", []string{post("a", "b"), post("b", "a")}, "circular circular"},
		{"itself", []string{post("a", "a")}, "circular"},
		{"three in a circle, one pointing in", []string{post("a", "c"), post("b", "a"), post("c", "b"), post("d", "a")}, "circular circular circular -"},
		{"to no POST", []string{post("a", "zz")}, "-"},
		{"patch of a bulkId", []string{post("a"), `{"method":"PATCH","path":"/Groups/bulkId:a","data":{}}`}, "- -"},
		{"bad method", []string{`{"method":"GET","path":"/Users/x"}`}, "invalid"},
		{"bad path", []string{`{"method":"DELETE","path":"/Users/.."}`, `{"method":"POST","path":"/Users/x","bulkId":"x","data":{}}`, `{"method":"DELETE","path":"/Things/x"}`}, "invalid invalid invalid"},
		{"POST without bulkId", []string{`{"method":"POST","path":"/Users","data":{}}`}, "invalid"},
		{"PUT without data", []string{`{"method":"PUT","path":"/Users/x"}`}, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ops []bulkOperation
			if err := json.Unmarshal([]byte("["+strings.Join(tt.ops, ",")+"]"), &ops); err != nil {
				t.Fatal(err)
			}
			p, err := planBulk(ops)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, st := range p.steps {
				got = append(got, cmp.Or(roster.ErrorCode(st.err), "-"))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("planBulk(%s) errors = %q, want %q", tt.ops, strings.Join(got, " "), tt.want)
			}
		})
	}
}

// TestPlanBulkDuplicate refuses two POSTs with one bulkId.
func TestPlanBulkDuplicate(t *testing.T) {
	ops := []bulkOperation{{Method: "POST", Path: "/Users", BulkID: "a"}, {Method: "post", Path: "/Groups", BulkID: "a"}}
	if _, err := planBulk(ops); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("planBulk(two POSTs with bulkId a) = %v, want %s", err, roster.EINVALID)
	}
}

// TestResolveBulk replaces references to created resources, and refuses the others.
func TestResolveBulk(t *testing.T) {
	var ops []bulkOperation
	err := json.Unmarshal([]byte(`[{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"u"}},
		{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"g","members":[{"value":"bulkId:u"}],"n":1.50}},
		{"method":"PATCH","path":"/Users/bulkId:u","data":{}},
		{"method":"PATCH","path":"/Users/bulkId:x","data":{}}]`), &ops)
	if err != nil {
		t.Fatal(err)
	}
	p, err := planBulk(ops)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.resolve(1); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("resolve before u was created: %v, want %s", err, roster.EINVALID)
	}
	p.created["u"] = "U1"
	if _, data, err := p.resolve(1); err != nil || string(data) != `{"displayName":"g","members":[{"value":"U1"}],"n":1.50}` {
		t.Errorf("resolve(group) = %s, %v", data, err)
	}
	if path, _, err := p.resolve(2); err != nil || path != "/Users/U1" {
		t.Errorf("resolve(patch) path = %q, %v", path, err)
	}
	if _, _, err := p.resolve(3); err == nil || !strings.Contains(err.Error(), "names no POST") {
		t.Errorf("resolve(bulkId:x) = %v", err)
	}
}
