package main

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTenantIsolation is a property test: random sequences of operations by
// two tenants (users, groups, members, filters, the app API's reads, events
// and provisioning log) never show one tenant anything of the other's that it
// did not send itself. The seed is printed; ROSTER_TEST_SEED replays one.
func TestTenantIsolation(t *testing.T) { forEachStore(t, testTenantIsolation) }

func testTenantIsolation(t *testing.T, db string) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("ROSTER_TEST_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("ROSTER_TEST_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay with ROSTER_TEST_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	s := startServer(t, db)
	alpha, beta := newIsoTenant(t, s, "alpha"), newIsoTenant(t, s, "beta")
	alpha.other, beta.other = beta, alpha

	const steps = 160
	for i := range steps {
		x := alpha
		if rng.IntN(2) == 1 {
			x = beta
		}
		x.step(t, rng, i)
	}
	for _, x := range []*isoTenant{alpha, beta} {
		x.readAll(t)
		x.readLog(t)
	}
}

// isoTenant is one tenant of the isolation test: its credentials, what it
// created, and every value of the other tenant it sent in a request (which it
// may legitimately see echoed back, as in its own provisioning log).
type isoTenant struct {
	name   string
	s      *testServer // with this tenant's SCIM token
	key    string      // an app API key scoped to this tenant
	other  *isoTenant
	users  []string // ids
	groups []string // ids
	marks  []string // every value that names something of this tenant's
	sent   map[string]bool
}

func newIsoTenant(t *testing.T, s *testServer, name string) *isoTenant {
	t.Helper()
	out := s.cli(t, "tenant", "create", name+"-co")
	id, _, _ := strings.Cut(strings.TrimSpace(out), "\t")
	token := strings.TrimSpace(s.cli(t, "token", "create", "--tenant", name+"-co"))
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", name+"-co", "--name", name))
	x := &isoTenant{name: name, key: key, sent: map[string]bool{},
		s: &testServer{base: s.base, db: s.db, token: token}}
	x.marks = append(x.marks, id, name+"-co", token[:12], key[:12])
	return x
}

// step runs one random operation as x.
func (x *isoTenant) step(t *testing.T, rng *rand.Rand, i int) {
	t.Helper()
	y := x.other
	switch op := rng.IntN(12); {
	case op < 3 || len(x.users) == 0:
		x.createUser(t, i)
	case op == 3:
		u := pick(rng, x.users)
		x.check(t, "PATCH user", x.s.do(t, "PATCH", "/Users/"+u, isoPatch("replace", "displayName", strconv.Quote(x.mark("shown", i)))).want(t, 200).raw)
	case op == 4:
		name, ext := x.mark("group", i), x.mark("gext", i)
		r := x.s.do(t, "POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":%q,"externalId":%q,"members":[{"value":%q}]}`,
			name, ext, pick(rng, x.users))).want(t, 201)
		x.check(t, "POST group", r.raw)
		id := str(r.body, "id")
		x.groups = append(x.groups, id)
		x.marks = append(x.marks, id, name, ext)
	case op == 5 && len(x.groups) > 0:
		// Members of the other tenant are refused and never added.
		g := pick(rng, x.groups)
		add := []string{pick(rng, x.users)}
		if len(y.users) > 0 && rng.IntN(2) == 0 {
			add = append(add, x.send(pick(rng, y.users)))
		}
		var vals []string
		for _, m := range add {
			vals = append(vals, fmt.Sprintf(`{"value":%q}`, m))
		}
		r := x.s.do(t, "PATCH", "/Groups/"+g, isoPatch("add", "members", "["+strings.Join(vals, ",")+"]"))
		if len(add) > 1 {
			r.wantError(t, 400, "invalidValue")
		} else {
			r.want(t, 204)
		}
		x.check(t, "PATCH members", r.raw)
	case op == 6 && len(y.users) > 0:
		// The other tenant's ids answer 404 to every method.
		id := x.send(pick(rng, y.users))
		x.check(t, "GET other user", x.s.do(t, "GET", "/Users/"+id, "").wantError(t, 404, "").raw)
		x.check(t, "PATCH other user", x.s.do(t, "PATCH", "/Users/"+id, isoPatch("replace", "active", "false")).wantError(t, 404, "").raw)
		x.check(t, "app user", x.s.app(t, x.key, "/users/"+id).want(t, 404).raw)
		x.check(t, "app user groups", x.s.app(t, x.key, "/users/"+id+"/groups").want(t, 404).raw)
	case op == 7 && len(y.groups) > 0:
		id := x.send(pick(rng, y.groups))
		x.check(t, "GET other group", x.s.do(t, "GET", "/Groups/"+id, "").wantError(t, 404, "").raw)
		x.check(t, "DELETE other group", x.s.do(t, "DELETE", "/Groups/"+id, "").wantError(t, 404, "").raw)
		x.check(t, "app group members", x.s.app(t, x.key, "/groups/"+id+"/members").want(t, 404).raw)
		if len(x.users) > 0 {
			f := x.send(id)
			r := x.s.do(t, "GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`id eq "`+f+`" and members[value eq "`+pick(rng, x.users)+`"]`), "").want(t, 200)
			x.wantNone(t, "membership check", r)
		}
	case op == 8 && len(y.marks) > 0:
		// Filters on the other tenant's values find nothing.
		v := x.send(pick(rng, y.marks))
		for _, f := range []string{`userName eq "%s"`, `externalId eq "%s"`, `displayName co "%s"`, `emails.value sw "%s"`, `id eq "%s"`} {
			r := x.s.do(t, "GET", "/Users?filter="+url.QueryEscape(fmt.Sprintf(f, v)), "").want(t, 200)
			x.wantNone(t, "user filter "+f, r)
		}
		for _, f := range []string{`displayName eq "%s"`, `externalId eq "%s"`, `id eq "%s"`} {
			r := x.s.do(t, "GET", "/Groups?filter="+url.QueryEscape(fmt.Sprintf(f, v)), "").want(t, 200)
			x.wantNone(t, "group filter "+f, r)
		}
	case op == 9:
		x.readAll(t)
	case op == 10 && len(x.users) > 1:
		u := pick(rng, x.users)
		x.s.do(t, "DELETE", "/Users/"+u, "").want(t, 204)
		x.users = remove(x.users, u)
	default:
		x.check(t, "events", x.s.app(t, x.key, "/events?limit=200").want(t, 200).raw)
	}
}

func (x *isoTenant) createUser(t *testing.T, i int) {
	t.Helper()
	name := x.mark("user", i) + "@" + x.name + ".example"
	ext := x.mark("ext", i)
	r := x.s.do(t, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":%q,"active":true,"emails":[{"value":%q,"type":"work","primary":true}]}`,
		name, ext, name)).want(t, 201)
	x.check(t, "POST user", r.raw)
	id := str(r.body, "id")
	x.users = append(x.users, id)
	x.marks = append(x.marks, id, name, ext)
}

// readAll reads every list x can: SCIM pages, the app API's reads and events.
func (x *isoTenant) readAll(t *testing.T) {
	t.Helper()
	for _, path := range []string{"/Users?count=1000", "/Groups?count=1000", "/Users?filter=" + url.QueryEscape(`active eq true`)} {
		x.check(t, "GET "+path, x.s.do(t, "GET", path, "").want(t, 200).raw)
	}
	for _, path := range []string{"/users?limit=500", "/groups?limit=500", "/events?limit=500"} {
		x.check(t, "app "+path, x.s.app(t, x.key, path).want(t, 200).raw)
	}
	for _, g := range x.groups {
		x.check(t, "GET group", x.s.do(t, "GET", "/Groups/"+g, "").want(t, 200).raw)
		x.check(t, "app members", x.s.app(t, x.key, "/groups/"+g+"/members").want(t, 200).raw)
	}
}

// readLog reads x's provisioning log through the app API and the CLI once the
// writer has stored the rows of x's last requests.
func (x *isoTenant) readLog(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := x.s.app(t, x.key, "/provisioning-log?limit=1000&format=json").want(t, 200)
		data, _ := r.body["data"].([]any)
		if len(data) > 0 || time.Now().After(deadline) {
			if len(data) == 0 {
				t.Fatalf("%s: no provisioning log rows", x.name)
			}
			x.check(t, "provisioning log", r.raw)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	x.check(t, "roster log", x.s.cli(t, "log", "--tenant", x.name+"-co", "--limit", "1000"))
}

// mark returns a value of x's for step i. Its number has a fixed width, so
// that no mark is part of another (beta-ext-1 of beta-ext-12).
func (x *isoTenant) mark(kind string, i int) string {
	return fmt.Sprintf("%s-%s-%04d", x.name, kind, i)
}

// send notes that x puts v, a value of the other tenant, into a request.
func (x *isoTenant) send(v string) string {
	x.sent[v] = true
	return v
}

// check fails the test if body names anything of the other tenant that x did
// not send itself.
func (x *isoTenant) check(t *testing.T, what, body string) {
	t.Helper()
	for _, m := range x.other.marks {
		if !x.sent[m] && strings.Contains(body, m) {
			t.Fatalf("%s: %s shows %q of tenant %s:\n%s", x.name, what, m, x.other.name, body)
		}
	}
}

// wantNone checks a list response that must be empty.
func (x *isoTenant) wantNone(t *testing.T, what string, r response) {
	t.Helper()
	x.check(t, what, r.raw)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("%s: %s found resources of the other tenant:\n%s", x.name, what, r.raw)
	}
}

func isoPatch(op, path, value string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":%q,"path":%q,"value":%s}]}`, op, path, value)
}

func pick(rng *rand.Rand, s []string) string { return s[rng.IntN(len(s))] }

func remove(s []string, v string) []string {
	out := s[:0]
	for _, e := range s {
		if e != v {
			out = append(out, e)
		}
	}
	return out
}
