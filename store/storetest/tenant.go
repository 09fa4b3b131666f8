package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

func testTenants(t *testing.T, s roster.Store) {
	ctx := context.Background()
	b := mustTenant(t, s, "beta")
	a := mustTenant(t, s, "alpha")
	if a.ID == "" || a.Created.IsZero() {
		t.Fatalf("CreateTenant left ID %q, Created %v", a.ID, a.Created)
	}
	for _, key := range []string{a.ID, "alpha"} {
		got, err := s.Tenant(ctx, key)
		if err != nil {
			t.Fatalf("Tenant(%q) = %v", key, err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("Tenant(%q) mismatch (-want +got):\n%s", key, diff)
		}
	}
	_, err := s.Tenant(ctx, "gamma")
	wantCode(t, `Tenant("gamma")`, err, roster.ENOTFOUND)
	err = s.CreateTenant(ctx, &roster.Tenant{Name: "alpha"})
	wantCode(t, `CreateTenant("alpha") again`, err, roster.ECONFLICT)

	all, err := s.Tenants(ctx)
	if err != nil {
		t.Fatalf("Tenants() = %v", err)
	}
	if diff := cmp.Diff([]*roster.Tenant{a, b}, all); diff != "" {
		t.Errorf("Tenants() mismatch (-want +got):\n%s", diff)
	}
}

func testTenantSettings(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "beta")
	if a.Settings != (roster.TenantSettings{}) {
		t.Fatalf("new tenant's settings = %+v, want the zero value", a.Settings)
	}
	v0, err := s.ConfigVersion(ctx, a.ID)
	if err != nil {
		t.Fatalf("ConfigVersion(alpha) = %v", err)
	}
	want := roster.TenantSettings{RateLimit: roster.RateLimit{Rate: 2.5, Burst: 7}, Directory: roster.DirectoryOneLogin}
	if err := s.UpdateTenantSettings(ctx, a.ID, want); err != nil {
		t.Fatalf("UpdateTenantSettings(%+v) = %v", want, err)
	}
	// Servers cache a tenant's config by its version: the directory is read
	// again only when the version grows.
	if v, err := s.ConfigVersion(ctx, a.ID); err != nil || v <= v0 {
		t.Errorf("ConfigVersion(alpha) after UpdateTenantSettings = %d, %v; want more than %d", v, err, v0)
	}
	got, err := s.Tenant(ctx, "alpha")
	if err != nil {
		t.Fatalf("Tenant(alpha) = %v", err)
	}
	if got.Settings != want {
		t.Errorf("Tenant(alpha).Settings = %+v, want %+v", got.Settings, want)
	}
	all, err := s.Tenants(ctx)
	if err != nil {
		t.Fatalf("Tenants() = %v", err)
	}
	if len(all) != 2 || all[0].Settings != want || all[1].Settings != b.Settings {
		t.Errorf("Tenants() settings = %+v, %+v; want %+v, zero", all[0].Settings, all[1].Settings, want)
	}
	// Back to the defaults.
	if err := s.UpdateTenantSettings(ctx, a.ID, roster.TenantSettings{}); err != nil {
		t.Fatalf("UpdateTenantSettings(zero) = %v", err)
	}
	if got, err := s.Tenant(ctx, a.ID); err != nil || got.Settings != (roster.TenantSettings{}) {
		t.Errorf("after reset: Tenant = %+v, %v", got, err)
	}
	err = s.UpdateTenantSettings(ctx, "no-such-tenant", want)
	wantCode(t, "UpdateTenantSettings(missing)", err, roster.ENOTFOUND)
	err = s.UpdateTenantSettings(ctx, b.ID, roster.TenantSettings{RateLimit: roster.RateLimit{Rate: -1}})
	wantCode(t, "UpdateTenantSettings(rate -1)", err, roster.EINVALID)
	err = s.UpdateTenantSettings(ctx, b.ID, roster.TenantSettings{RateLimit: roster.RateLimit{Burst: -1}})
	wantCode(t, "UpdateTenantSettings(burst -1)", err, roster.EINVALID)
	err = s.UpdateTenantSettings(ctx, b.ID, roster.TenantSettings{Directory: "ping"})
	wantCode(t, "UpdateTenantSettings(directory ping)", err, roster.EINVALID)
}

// testTenantDisplayName stores a display name at creation and replaces it;
// names of any form the store was given before names were checked still work.
func testTenantDisplayName(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := &roster.Tenant{Name: "fabrikam", DisplayName: "Fabrikam, Inc. — Zürich"}
	if err := s.CreateTenant(ctx, a); err != nil {
		t.Fatalf("CreateTenant(%+v) = %v", a, err)
	}
	old := mustTenant(t, s, "Fabrikam Inc/EU")
	if got, err := s.Tenant(ctx, "fabrikam"); err != nil || got.DisplayName != a.DisplayName {
		t.Fatalf("Tenant(fabrikam) = %+v, %v; want display name %q", got, err, a.DisplayName)
	}
	if err := s.SetTenantDisplayName(ctx, old.ID, "Fabrikam EU"); err != nil {
		t.Fatalf("SetTenantDisplayName(old) = %v", err)
	}
	if err := s.SetTenantDisplayName(ctx, a.ID, ""); err != nil {
		t.Fatalf("SetTenantDisplayName(a, \"\") = %v", err)
	}
	all, err := s.Tenants(ctx)
	if err != nil {
		t.Fatalf("Tenants() = %v", err)
	}
	got := map[string]string{}
	for _, tn := range all {
		got[tn.Name] = tn.DisplayName
	}
	if diff := cmp.Diff(map[string]string{"fabrikam": "", "Fabrikam Inc/EU": "Fabrikam EU"}, got); diff != "" {
		t.Errorf("display names (-want +got):\n%s", diff)
	}
	wantCode(t, "SetTenantDisplayName(missing)", s.SetTenantDisplayName(ctx, "no-such-tenant", "x"), roster.ENOTFOUND)
}

// testTenantDisabled disables and enables a tenant: the flag reads back, and
// each change grows the tenant's config version (servers learn of it there).
func testTenantDisabled(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "beta")
	if a.Disabled {
		t.Fatal("a new tenant is disabled")
	}
	last, err := s.ConfigVersion(ctx, a.ID)
	if err != nil {
		t.Fatalf("ConfigVersion = %v", err)
	}
	for _, disabled := range []bool{true, false, true} {
		if err := s.SetTenantDisabled(ctx, a.ID, disabled); err != nil {
			t.Fatalf("SetTenantDisabled(%v) = %v", disabled, err)
		}
		got, err := s.Tenant(ctx, "alpha")
		if err != nil || got.Disabled != disabled {
			t.Fatalf("after SetTenantDisabled(%v): Tenant = %+v, %v", disabled, got, err)
		}
		v, err := s.ConfigVersion(ctx, a.ID)
		if err != nil || v <= last {
			t.Errorf("ConfigVersion after SetTenantDisabled(%v) = %d, %v; want more than %d", disabled, v, err, last)
		}
		last = v
	}
	if got, err := s.Tenant(ctx, b.ID); err != nil || got.Disabled {
		t.Errorf("the other tenant = %+v, %v; want it enabled", got, err)
	}
	wantCode(t, "SetTenantDisabled(missing)", s.SetTenantDisabled(ctx, "no-such-tenant", true), roster.ENOTFOUND)
}

// tenantRows is what a store holds of one tenant, as its public methods read it.
type tenantRows struct {
	Users, Groups, DeletedGroups, Tokens, Events, Log, APIKeys, Webhooks, Domains int
}

// populate gives tenant tn a row of every kind and returns what it holds.
func populate(t *testing.T, s roster.Store, tn *roster.Tenant) tenantRows {
	t.Helper()
	ctx := context.Background()
	u := mustUser(t, s, tn.ID, userSpec{userName: "ada@" + tn.Name + ".example", externalID: "x1",
		emails: []roster.Email{{Value: "ada@" + tn.Name + ".example"}}})
	mustGroup(t, s, tn.ID, "Admins", u.ID)
	if err := s.DeleteGroup(ctx, tn.ID, mustGroup(t, s, tn.ID, "Former", u.ID).ID, 0); err != nil {
		t.Fatalf("DeleteGroup = %v", err)
	}
	_, prefix, hash := roster.NewTokenSecret()
	if err := s.CreateToken(ctx, &roster.Token{TenantID: tn.ID, Prefix: prefix, Hash: hash}); err != nil {
		t.Fatalf("CreateToken = %v", err)
	}
	_, kprefix, khash := roster.NewAPIKeySecret()
	if err := s.CreateAPIKey(ctx, &roster.APIKey{TenantID: tn.ID, Name: "app", Prefix: kprefix, Hash: khash}); err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	if err := s.CreateWebhook(ctx, &roster.Webhook{TenantID: tn.ID, URL: "http://127.0.0.1:1/hook", Secret: roster.NewWebhookSecret()}); err != nil {
		t.Fatalf("CreateWebhook = %v", err)
	}
	if err := s.SetTenantDomains(ctx, tn.ID, []string{tn.Name + ".example"}); err != nil {
		t.Fatalf("SetTenantDomains = %v", err)
	}
	if err := s.AppendLog(ctx, []*roster.LogEntry{{TenantID: tn.ID, Time: time.Now(), RequestID: "r-" + tn.Name,
		Method: "GET", Route: "GET /scim/v2/Users", Action: "list", Status: 200}}); err != nil {
		t.Fatalf("AppendLog = %v", err)
	}
	return rowsOf(t, s, tn.ID)
}

// rowsOf counts what the store holds of the tenant id.
func rowsOf(t *testing.T, s roster.Store, id string) tenantRows {
	t.Helper()
	ctx := context.Background()
	var r tenantRows
	var err error
	if _, r.Users, err = s.Users(ctx, id, roster.Query{}); err != nil {
		t.Fatalf("Users = %v", err)
	}
	if _, r.Groups, err = s.Groups(ctx, id, roster.Query{}); err != nil {
		t.Fatalf("Groups = %v", err)
	}
	if _, err := s.RetiredGroup(ctx, id, "Former"); err == nil {
		r.DeletedGroups++
	}
	toks, err := s.Tokens(ctx, id)
	if err != nil {
		t.Fatalf("Tokens = %v", err)
	}
	evs, err := s.Events(ctx, roster.EventQuery{TenantID: id, Limit: 100})
	if err != nil {
		t.Fatalf("Events = %v", err)
	}
	log, err := s.Log(ctx, roster.LogQuery{TenantID: id, Limit: 100})
	if err != nil {
		t.Fatalf("Log = %v", err)
	}
	r.Tokens, r.Events, r.Log = len(toks), len(evs), len(log)
	keys, err := s.APIKeys(ctx)
	if err != nil {
		t.Fatalf("APIKeys = %v", err)
	}
	for _, k := range keys {
		if k.TenantID == id {
			r.APIKeys++
		}
	}
	hooks, err := s.Webhooks(ctx)
	if err != nil {
		t.Fatalf("Webhooks = %v", err)
	}
	for _, h := range hooks {
		if h.TenantID == id {
			r.Webhooks++
		}
	}
	for _, d := range []string{"alpha.example", "beta.example"} {
		if tn, err := s.TenantByDomain(ctx, d); err == nil && tn.ID == id {
			r.Domains++
		}
	}
	return r
}

// testDeleteTenant deletes a tenant holding a row of every kind: nothing of
// it is left, and another tenant's rows are untouched.
func testDeleteTenant(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "beta")
	populate(t, s, a)
	want := populate(t, s, b)
	if want.Users != 1 || want.Groups != 1 || want.DeletedGroups != 1 || want.Tokens != 1 || want.Events == 0 || want.Log != 1 ||
		want.APIKeys != 1 || want.Webhooks != 1 || want.Domains != 1 {
		t.Fatalf("a populated tenant holds %+v", want)
	}
	if err := s.DeleteTenant(ctx, a.ID); err != nil {
		t.Fatalf("DeleteTenant = %v", err)
	}
	_, err := s.Tenant(ctx, a.ID)
	wantCode(t, "Tenant(deleted)", err, roster.ENOTFOUND)
	if got := rowsOf(t, s, a.ID); got != (tenantRows{}) {
		t.Errorf("left of the deleted tenant: %+v", got)
	}
	if got := rowsOf(t, s, b.ID); got != want {
		t.Errorf("the other tenant holds %+v, want %+v", got, want)
	}
	wantCode(t, "DeleteTenant(deleted)", s.DeleteTenant(ctx, a.ID), roster.ENOTFOUND)
	// The name is free again.
	mustTenant(t, s, "alpha")
}

// testHealth checks what readiness probes and metrics read of a store.
func testHealth(t *testing.T, s roster.Store) {
	ctx := context.Background()
	hc, ok := s.(roster.HealthChecker)
	if !ok {
		t.Fatalf("%T is not a roster.HealthChecker", s)
	}
	if err := hc.Ping(ctx); err != nil {
		t.Errorf("Ping() = %v", err)
	}
	if err := hc.Migrated(ctx); err != nil {
		t.Errorf("Migrated() = %v", err)
	}
	ps, ok := s.(roster.PoolStater)
	if !ok {
		t.Fatalf("%T is not a roster.PoolStater", s)
	}
	stats := ps.PoolStats()
	if len(stats) == 0 {
		t.Fatal("PoolStats() reports no pool")
	}
	for _, p := range stats {
		if p.Name == "" || p.Open < p.InUse || p.Open < p.Idle {
			t.Errorf("PoolStats() has %+v", p)
		}
	}
}

func testTenantIsolation(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "a")
	b := mustTenant(t, s, "b")
	au := mustUser(t, s, a.ID, userSpec{userName: "alice@example.com", externalID: "x1",
		emails: []roster.Email{{Value: "alice@example.com"}}})
	ag := mustGroup(t, s, a.ID, "Admins", au.ID)
	// The same names are free in tenant b.
	bu := mustUser(t, s, b.ID, userSpec{userName: "alice@example.com", externalID: "x1"})
	bg := mustGroup(t, s, b.ID, "Admins", bu.ID)

	_, err := s.User(ctx, b.ID, au.ID)
	wantCode(t, "User(b, a's user)", err, roster.ENOTFOUND)
	r := newUser(userSpec{userName: "mallory"})
	r.ID = au.ID
	wantCode(t, "ReplaceUser(b, a's user)", s.ReplaceUser(ctx, b.ID, r, 0), roster.ENOTFOUND)
	wantCode(t, "DeleteUser(b, a's user)", s.DeleteUser(ctx, b.ID, au.ID, 0), roster.ENOTFOUND)
	_, err = s.Group(ctx, b.ID, ag.ID, false)
	wantCode(t, "Group(b, a's group)", err, roster.ENOTFOUND)
	rg := newGroup("Mallory")
	rg.ID = ag.ID
	wantCode(t, "ReplaceGroup(b, a's group)", s.ReplaceGroup(ctx, b.ID, rg, 0), roster.ENOTFOUND)
	wantCode(t, "UpdateGroup(b, a's group)", s.UpdateGroup(ctx, b.ID, &roster.Group{ID: ag.ID}, false,
		[]roster.MemberChange{{Op: roster.MembersRemoveAll}}, 0), roster.ENOTFOUND)
	wantCode(t, "DeleteGroup(b, a's group)", s.DeleteGroup(ctx, b.ID, ag.ID, 0), roster.ENOTFOUND)
	// Members must belong to the tenant.
	wantCode(t, "CreateGroup(b, with a's user)", s.CreateGroup(ctx, b.ID, newGroup("X", au.ID)), roster.EINVALID)
	wantCode(t, "UpdateGroup(b, add a's group)", s.UpdateGroup(ctx, b.ID, &roster.Group{ID: bg.ID}, false,
		[]roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{ag.ID}}}, 0), roster.EINVALID)

	for _, f := range []string{
		`userName eq "alice@example.com"`, `externalId eq "x1"`, `id eq "` + au.ID + `"`, `emails pr`, `userName pr`,
	} {
		us, total, err := s.Users(ctx, b.ID, roster.Query{Filter: mustParse(t, f), Resolve: resolve, Count: 10})
		if err != nil {
			t.Fatalf("Users(b, %q) = %v", f, err)
		}
		for _, u := range us {
			if u.ID == au.ID {
				t.Errorf("Users(b, %q) returned a's user", f)
			}
		}
		if total > 1 {
			t.Errorf("Users(b, %q) total = %d, want at most 1", f, total)
		}
	}
	for _, f := range []string{`displayName eq "Admins"`, `members[value eq "` + au.ID + `"]`, `id eq "` + ag.ID + `"`} {
		gs, _, err := s.Groups(ctx, b.ID, roster.Query{Filter: mustParse(t, f), Resolve: resolve, Count: 10})
		if err != nil {
			t.Fatalf("Groups(b, %q) = %v", f, err)
		}
		for _, g := range gs {
			if g.ID == ag.ID {
				t.Errorf("Groups(b, %q) returned a's group", f)
			}
		}
	}
	// Tenant a is untouched.
	got, err := s.Group(ctx, a.ID, ag.ID, false)
	if err != nil || len(got.Members) != 1 || got.Version != 1 {
		t.Errorf("a's group after b's attempts = %+v, %v", got, err)
	}
	if u, err := s.User(ctx, a.ID, au.ID); err != nil || u.Version != 1 || len(u.Groups) != 1 {
		t.Errorf("a's user after b's attempts = %+v, %v", u, err)
	}
	if _, total, err := s.Users(ctx, a.ID, roster.Query{}); err != nil || total != 1 {
		t.Errorf("Users(a) total = %d, %v; want 1", total, err)
	}
}

// testTenantPage pages through tenants by name, with and without a search.
func testTenantPage(t *testing.T, s roster.Store) {
	ctx := context.Background()
	for _, n := range []string{"contoso", "fabrikam", "northwind", "Tailspin", "adatum"} {
		if err := s.CreateTenant(ctx, &roster.Tenant{Name: n, DisplayName: "Org " + strings.ToUpper(n[:1]) + n[1:]}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(ts []*roster.Tenant) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return out
	}
	var all []string
	after := ""
	for {
		page, err := s.TenantPage(ctx, roster.TenantQuery{After: after, Limit: 2})
		if err != nil {
			t.Fatalf("TenantPage = %v", err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, names(page)...)
		after = page[len(page)-1].Name
	}
	if want := []string{"Tailspin", "adatum", "contoso", "fabrikam", "northwind"}; !slices.Equal(all, want) {
		t.Errorf("pages of 2 = %v, want %v", all, want)
	}
	page, err := s.TenantPage(ctx, roster.TenantQuery{Search: "TAIL", Limit: 10})
	if err != nil || !slices.Equal(names(page), []string{"Tailspin"}) {
		t.Errorf("search TAIL = %v, %v", names(page), err)
	}
	page, err = s.TenantPage(ctx, roster.TenantQuery{Search: "org n", Limit: 10})
	if err != nil || !slices.Equal(names(page), []string{"northwind"}) {
		t.Errorf("search by display name = %v, %v", names(page), err)
	}
}
