package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// bencher holds one run's client, credentials and the ids it created.
type bencher struct {
	c       benchConfig
	client  *http.Client
	run     string    // run id, prefixed to every name the run creates
	users   []created // the users created, in creation order
	group   string    // id of the group created
	mixed   []created // the users the mixed phase created, in the tenants of --tokens
	results []phaseResult
}

func newBencher(c benchConfig) (*bencher, error) {
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("bench: run id: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * c.Workers
	tr.MaxIdleConnsPerHost = c.Workers
	return &bencher{
		c:      c,
		client: &http.Client{Transport: tr, Timeout: time.Minute},
		run:    hex.EncodeToString(id[:]),
	}, nil
}

// benchPhase is one phase: its name, how it runs, and the shape of its
// requests for the ceiling.
type benchPhase struct {
	name  string
	run   func(context.Context) phaseResult
	shape shape
}

// shape is what the ceiling imitates of a phase: the method, the status the
// server answers, whether the requests go one at a time, and the mean body
// sizes measured against Roster with the bench's defaults (a group of 1,000
// members; pages of 100 users). A run against a server uses its own means.
type shape struct {
	method             string
	status             int
	sequential         bool
	reqBytes, resBytes int
}

// phases lists the phases in Entra's order, each working over what the earlier ones created.
func (b *bencher) phases() []benchPhase {
	const ok, created, noContent = http.StatusOK, http.StatusCreated, http.StatusNoContent
	ps := []benchPhase{
		{"create", b.create, shape{"POST", created, false, 590, 810}},
		{"get", b.get, shape{"GET", ok, false, 0, 810}},
		{"filter-userName", b.filterUserName, shape{"GET", ok, false, 0, 940}},
		{"filter-externalId", b.filterExternalID, shape{"GET", ok, false, 0, 940}},
		{"patch", b.patch, shape{"PATCH", ok, false, 300, 820}},
		{"list", b.list, shape{"GET", ok, false, 0, 82000}},
		{"group-create", b.groupCreate, shape{"POST", created, false, 220, 380}},
		{"group-add-members", b.groupAddMembers, shape{"PATCH", noContent, true, 5000, 0}},
		{"membership-check", b.membershipCheck, shape{"GET", ok, false, 0, 510}},
		{"group-get", b.groupGet, shape{"GET", ok, false, 0, 190000}},
		{"group-get-excluded", b.groupGetExcluded, shape{"GET", ok, false, 0, 380}},
		{"deactivate", b.deactivate, shape{"PATCH", ok, false, 120, 820}},
		{"delete", b.delete, shape{"DELETE", noContent, false, 0, 0}},
		{"group-delete", b.groupDelete, shape{"DELETE", noContent, false, 0, 0}},
	}
	if len(b.c.Tokens) > 0 {
		// The ceiling sends mixed's lookups and creates alike, as POSTs of their mean size.
		ps = append(ps,
			benchPhase{"mixed", b.mixedCycle, shape{"POST", created, false, 300, 480}},
			benchPhase{"mixed-delete", b.mixedDelete, shape{"DELETE", noContent, false, 0, 0}})
	}
	return ps
}

// runPhases runs the phases in order. It stops after the phase during which ctx ends.
func (b *bencher) runPhases(ctx context.Context) {
	defer b.client.CloseIdleConnections()
	for _, p := range b.phases() {
		r := p.run(ctx)
		r.Name = p.name
		b.results = append(b.results, r)
		if ctx.Err() != nil {
			return
		}
	}
}

// The phases. Request bodies follow what Microsoft documents Entra ID sending
// (testdata/entra); every value put into them is hex, digits or fixed ASCII,
// so they need no JSON escaping.

const (
	patchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// created is a user the run created: its id and the index its names derive from.
type created struct {
	id string
	i  int
}

func (b *bencher) userName(i int) string   { return fmt.Sprintf("bench_%s_%d@contoso.com", b.run, i) }
func (b *bencher) externalID(i int) string { return fmt.Sprintf("bench-%s-%d", b.run, i) }

// createUser is Entra's POST of a user, with the enterprise extension; the id
// of the user created is stored in id.
func createUser(userName, externalID string, i int, id *string) request {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",%q],`+
		`"externalId":%q,"userName":%q,"active":true,`+
		`"emails":[{"primary":true,"type":"work","value":%q}],"meta":{"resourceType":"User"},`+
		`"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[],`+
		`%q:{"employeeNumber":"%d","department":"Engineering","costCenter":"CC-100","organization":"Contoso"}}`,
		enterpriseUser, externalID, userName, userName, enterpriseUser, i)
	return request{method: "POST", path: "/Users", body: []byte(body), want: http.StatusCreated,
		onBody: func(body []byte) {
			var doc struct{ ID string }
			if json.Unmarshal(body, &doc) == nil {
				*id = doc.ID
			}
		}}
}

// create posts max(--users, --members) users in Entra's form, with the
// enterprise extension, and keeps the ids of those created.
func (b *bencher) create(ctx context.Context) phaseResult {
	n := max(b.c.Users, b.c.Members)
	ids := make([]string, n)
	r := b.phase(ctx, n, func(i int) request {
		return createUser(b.userName(i), b.externalID(i), i, &ids[i])
	})
	for i, id := range ids {
		if id != "" {
			b.users = append(b.users, created{id: id, i: i})
		}
	}
	return r
}

// some returns the first --users created users, the ones the per-user phases use.
func (b *bencher) some() []created { return b.users[:min(b.c.Users, len(b.users))] }

func (b *bencher) get(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		return request{method: "GET", path: "/Users/" + us[i].id, want: http.StatusOK}
	})
}

func (b *bencher) filterUserName(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		return b.getList("/Users", fmt.Sprintf("userName eq %q", b.userName(us[i].i)), "")
	})
}

func (b *bencher) filterExternalID(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		return b.getList("/Users", fmt.Sprintf("externalId eq %q", b.externalID(us[i].i)), "")
	})
}

// getList is a GET of a list with a filter and excludedAttributes, encoded as a
// client encodes a query.
func (b *bencher) getList(path, filter, excluded string) request {
	q := url.Values{"filter": {filter}}
	if excluded != "" {
		q.Set("excludedAttributes", excluded)
	}
	return request{method: "GET", path: path + "?" + q.Encode(), want: http.StatusOK}
}

// patch sends Entra's multi-operation user PATCH: a value-path filter, a
// sub-attribute and a boolean as the string "True".
func (b *bencher) patch(ctx context.Context) phaseResult {
	us := b.some()
	return b.phase(ctx, len(us), func(i int) request {
		body := fmt.Sprintf(`{"schemas":[%q],"Operations":[`+
			`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated_%s_%d@contoso.com"},`+
			`{"op":"Replace","path":"name.familyName","value":"updatedFamilyName%d"},`+
			`{"op":"Replace","path":"active","value":"True"}]}`, patchOp, b.run, us[i].i, us[i].i)
		return request{method: "PATCH", path: "/Users/" + us[i].id, body: []byte(body), want: http.StatusOK}
	})
}

// list pages through /Users 100 at a time, alternating the first page and a
// page near the end of everything the server holds.
func (b *bencher) list(ctx context.Context) phaseResult {
	total := len(b.users)
	if status, body, err := b.send(ctx, request{method: "GET", path: "/Users?startIndex=1&count=1"}); err == nil && status == http.StatusOK {
		var doc struct{ TotalResults int }
		if json.Unmarshal(body, &doc) == nil && doc.TotalResults > total {
			total = doc.TotalResults
		}
	}
	last := max(1, total-99)
	return b.phase(ctx, b.reads(), func(i int) request {
		start := 1
		if i%2 == 1 {
			start = last
		}
		return request{method: "GET", path: fmt.Sprintf("/Users?startIndex=%d&count=100", start), want: http.StatusOK}
	})
}

// reads is the number of requests of the phases that do not go per user.
func (b *bencher) reads() int { return max(10, b.c.Users/10) }

func (b *bencher) groupCreate(ctx context.Context) phaseResult {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",`+
		`"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],`+
		`"externalId":"bench-%s","displayName":"bench-%s","meta":{"resourceType":"Group"}}`, b.run, b.run)
	return b.phase(ctx, 1, func(int) request {
		return request{method: "POST", path: "/Groups", body: []byte(body), want: http.StatusCreated,
			onBody: func(body []byte) {
				var doc struct{ ID string }
				if json.Unmarshal(body, &doc) == nil {
					b.group = doc.ID
				}
			}}
	})
}

// noGroup is why the group phases skip when group-create failed.
const noGroup = "group-create failed"

// members returns the created users that go into the group.
func (b *bencher) members() []created { return b.users[:min(b.c.Members, len(b.users))] }

// groupAddMembers adds the members in batches of --batch, one batch after the
// other as Entra does for one group, and reports how the first and last
// batches compare: a store whose member writes grow with the group shows it here.
func (b *bencher) groupAddMembers(ctx context.Context) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	ms := b.members()
	var t tally
	start, capped := time.Now(), false
	for lo := 0; lo < len(ms) && ctx.Err() == nil; lo += b.c.Batch {
		if time.Since(start) >= b.c.Cap {
			capped = true
			break
		}
		var vals []string
		for _, m := range ms[lo:min(lo+b.c.Batch, len(ms))] {
			vals = append(vals, fmt.Sprintf(`{"value":%q}`, m.id))
		}
		body := fmt.Sprintf(`{"schemas":[%q],"Operations":[{"op":"Add","path":"members","value":[%s]}]}`,
			patchOp, strings.Join(vals, ","))
		b.measure(ctx, &t, request{method: "PATCH", path: "/Groups/" + b.group, body: []byte(body), want: http.StatusNoContent})
	}
	r := t.result(time.Since(start))
	r.Capped = capped
	r.Batches = len(t.latencies)
	r.FirstBatches = median(t.latencies[:min(10, len(t.latencies))])
	r.LastBatches = median(t.latencies[max(0, len(t.latencies)-10):])
	return r
}

// membershipCheck asks, for each member, whether it is in the group, as Entra
// does before adding or removing one.
func (b *bencher) membershipCheck(ctx context.Context) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	ms := b.members()
	return b.phase(ctx, len(ms), func(i int) request {
		return b.getList("/Groups", fmt.Sprintf("id eq %q and members[value eq %q]", b.group, ms[i].id), "members")
	})
}

func (b *bencher) groupGet(ctx context.Context) phaseResult {
	return b.groupGets(ctx, "/Groups/"+b.group)
}

func (b *bencher) groupGetExcluded(ctx context.Context) phaseResult {
	return b.groupGets(ctx, "/Groups/"+b.group+"?excludedAttributes=members")
}

func (b *bencher) groupGets(ctx context.Context, path string) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	return b.phase(ctx, b.reads(), func(int) request {
		return request{method: "GET", path: path, want: http.StatusOK}
	})
}

// deactivate is Entra's soft delete of every created user, the boolean sent as
// the string "False".
func (b *bencher) deactivate(ctx context.Context) phaseResult {
	body := []byte(fmt.Sprintf(`{"schemas":[%q],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, patchOp))
	return b.phase(ctx, len(b.users), func(i int) request {
		return request{method: "PATCH", path: "/Users/" + b.users[i].id, body: body, want: http.StatusOK}
	})
}

func (b *bencher) delete(ctx context.Context) phaseResult {
	return b.phase(ctx, len(b.users), func(i int) request {
		return request{method: "DELETE", path: "/Users/" + b.users[i].id, want: http.StatusNoContent}
	})
}

func (b *bencher) groupDelete(ctx context.Context) phaseResult {
	if b.group == "" {
		return phaseResult{Skipped: noGroup}
	}
	return b.phase(ctx, 1, func(int) request {
		return request{method: "DELETE", path: "/Groups/" + b.group, want: http.StatusNoContent}
	})
}
