package main

import "testing"

// TestPutKeepsActive: a POST that leaves active out makes an active user that
// says so; a PUT that leaves active out, or sends it null, keeps the user's
// status whichever it is; a PUT that names active sets it.
func TestPutKeepsActive(t *testing.T) { forEachStore(t, testPutKeepsActive) }

func testPutKeepsActive(t *testing.T, db string) {
	s := startServer(t, db)
	r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kim@example.org"}`).want(t, 201)
	id := str(r.body, "id")
	if get(r.body, "active") != true {
		t.Fatalf("POST without active: %s; want active true", r.raw)
	}
	put := func(active string) any {
		t.Helper()
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kim@example.org"` + active + `}`
		r := s.do(t, "PUT", "/Users/"+id, body).want(t, 200)
		if g := s.do(t, "GET", "/Users/"+id, "").want(t, 200); get(g.body, "active") != get(r.body, "active") {
			t.Fatalf("PUT answered active %v, GET reads %v", get(r.body, "active"), get(g.body, "active"))
		}
		return get(r.body, "active")
	}
	steps := []struct {
		active string
		want   bool
	}{
		{"", true},
		{`,"active":null`, true},
		{`,"active":false`, false},
		{"", false},
		{`,"active":null`, false},
		{`,"active":true`, true},
	}
	for _, st := range steps {
		if got := put(st.active); got != st.want {
			t.Fatalf("PUT with %q: active = %v, want %v", st.active, got, st.want)
		}
	}
	r = s.do(t, "GET", "/Users?filter="+q(`active eq false`), "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Errorf("users found inactive after the last PUT: %s", r.raw)
	}
}
