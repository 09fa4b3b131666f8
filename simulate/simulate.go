// Package simulate drives a running Roster over SCIM the way a directory
// does — Microsoft Entra ID or Okta, each in its own documented requests —
// with generated people, so that a SaaS team can watch its host app react
// (events, webhooks, sign-in gating) without an Entra or Okta tenant.
package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The directories a simulation can play.
const (
	Entra = "entra"
	Okta  = "okta"
)

// IdPs are the directories Run knows, in the order help lists them.
var IdPs = []string{Entra, Okta}

// Options say what to simulate and against what.
type Options struct {
	IdP    string // Entra or Okta
	SCIM   string // the Tenant URL: Roster's public URL and /scim/v2
	Token  string // a secret token of the tenant
	Users  int    // people to create (at least 2)
	Groups int    // groups to create (at least 1)
	// Seed makes the generated people the same from run to run; people of
	// different seeds have different userNames, so runs can follow each other.
	Seed   uint64
	Client *http.Client // nil: a client with a 30 s timeout
}

// Step is one request a simulation sent, and what came of it.
type Step struct {
	What      string // what the directory was doing: "create ada.lovelace.1@…"
	Method    string
	Path      string // below the Tenant URL, with its query
	Status    int    // 0: the request was not answered
	Err       string // why it was not answered, or the SCIM error's detail
	RequestID string // the X-Request-Id Roster answered with
}

// MaxUsers and MaxGroups bound a simulation: it is a demonstration, not a
// load generator (roster-bench is one).
const (
	MaxUsers  = 10000
	MaxGroups = 100
)

// Check returns an error naming what is wrong with o.
func (o Options) Check() error {
	switch {
	case o.IdP != Entra && o.IdP != Okta:
		return fmt.Errorf("directory %q: want %s", o.IdP, strings.Join(IdPs, " or "))
	case o.Users < 2 || o.Users > MaxUsers:
		return fmt.Errorf("%d users: want 2 to %d (one is deactivated and one removed)", o.Users, MaxUsers)
	case o.Groups < 1 || o.Groups > MaxGroups:
		return fmt.Errorf("%d groups: want 1 to %d", o.Groups, MaxGroups)
	case o.Token == "":
		return fmt.Errorf("no token")
	}
	u, err := url.Parse(o.SCIM)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("tenant URL %q: want an absolute http(s) URL", o.SCIM)
	}
	return nil
}

// Run plays the directory o.IdP against o.SCIM: Test Connection, then each
// person looked up and created, groups looked up, created and given
// members, an attribute and a role change, a member taken out of a group, a
// deactivation and a removal. It sends each request after the previous one
// is answered and calls step with each; it stops early only when ctx ends or
// Test Connection fails.
func Run(ctx context.Context, o Options, step func(Step)) error {
	if err := o.Check(); err != nil {
		return err
	}
	c := &client{o: o, http: o.Client, step: step}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	people := generate(o.Users, o.Seed)
	groups := groupNames(o.Groups, o.Seed)
	if o.IdP == Okta {
		return c.okta(ctx, people, groups)
	}
	return c.entra(ctx, people, groups)
}

// person is one generated member of the simulated company.
type person struct {
	given, family, nick, userName, title, department string
	id                                               string // Roster's, once created
	ext                                              string // the directory's own id, when it sends one
}

var (
	givenNames  = []string{"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Tim", "Frances", "John"}
	familyNames = []string{"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Berners-Lee", "Allen", "McCarthy"}
	titles      = []string{"Engineer", "Designer", "Analyst", "Manager", "Support Specialist", "Account Executive"}
	departments = []string{"Engineering", "Design", "Finance", "Sales", "Support", "Operations"}
)

// generate returns n people of the company of seed.
func generate(n int, seed uint64) []*person {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	tag := fmt.Sprintf("%04x", seed&0xffff)
	ps := make([]*person, n)
	for i := range ps {
		g, f := givenNames[r.IntN(len(givenNames))], familyNames[r.IntN(len(familyNames))]
		nick := fmt.Sprintf("%s.%s.%s%d", strings.ToLower(g), strings.ToLower(strings.ReplaceAll(f, "-", "")), tag, i+1)
		ps[i] = &person{given: g, family: f, nick: nick, userName: nick + "@simulated.example",
			title: titles[r.IntN(len(titles))], department: departments[r.IntN(len(departments))]}
	}
	return ps
}

// groupNames returns n group names of the company of seed.
func groupNames(n int, seed uint64) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s %04x-%d", departments[i%len(departments)], seed&0xffff, i+1)
	}
	return names
}

// client sends a simulation's requests and reports each as a step.
type client struct {
	o    Options
	http *http.Client
	step func(Step)
}

const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// send sends one request and reports it; body nil sends none. It returns
// the response's JSON body (nil when it had none) and its status.
func (c *client) send(ctx context.Context, what, method, path string, body any) (map[string]any, int, error) {
	st := Step{What: what, Method: method, Path: path}
	defer func() { c.step(st) }()
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, 0, err
		}
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.o.SCIM, "/")+path, in)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.o.Token)
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	res, err := c.http.Do(req)
	if err != nil {
		st.Err = err.Error()
		return nil, 0, ctx.Err() // an unanswered request is a step, not the end, unless ctx ended
	}
	defer res.Body.Close()
	st.Status, st.RequestID = res.StatusCode, res.Header.Get("X-Request-Id")
	raw, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		st.Err = err.Error()
		return nil, st.Status, ctx.Err()
	}
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) == nil && res.StatusCode >= 400 {
		st.Err, _ = out["detail"].(string)
	}
	return out, st.Status, nil
}

// filterPath is path with a SCIM filter `attr eq "value"` and extra query.
func filterPath(path, attr, value, extra string) string {
	q := url.Values{"filter": {fmt.Sprintf("%s eq %q", attr, value)}}.Encode()
	if extra != "" {
		q += "&" + extra
	}
	return path + "?" + q
}

// idOf returns a created resource's id.
func idOf(body map[string]any) string {
	id, _ := body["id"].(string)
	return id
}

// patch is a SCIM PATCH message of ops.
func patch(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{patchSchema}, "Operations": ops}
}

// members lists people as group members.
func members(ps []*person, display bool) []map[string]any {
	ms := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		m := map[string]any{"value": p.id}
		if display {
			m["display"] = p.userName
		}
		ms = append(ms, m)
	}
	return ms
}

// created returns the people Roster created, in order.
func created(ps []*person) []*person {
	var out []*person
	for _, p := range ps {
		if p.id != "" {
			out = append(out, p)
		}
	}
	return out
}

// groupsOf splits people into n groups, round robin.
func groupsOf(ps []*person, n int) [][]*person {
	gs := make([][]*person, n)
	for i, p := range ps {
		gs[i%n] = append(gs[i%n], p)
	}
	return gs
}
