package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/rosterhq/roster"
)

func testPolicies(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")

	p, err := s.Policy(ctx, tn.ID)
	if err != nil || p.Version != 0 || len(p.Doc) != 0 || !p.Updated.IsZero() {
		t.Fatalf("Policy(none set) = %+v, %v; want version 0 and no document", p, err)
	}
	_, err = s.Policy(ctx, "no-such-tenant")
	wantCode(t, "Policy(unknown tenant)", err, roster.ENOTFOUND)
	_, err = s.SetPolicy(ctx, "no-such-tenant", json.RawMessage(`{}`), 0, "cli:ada@host")
	wantCode(t, "SetPolicy(unknown tenant)", err, roster.ENOTFOUND)
	_, err = s.ConfigVersion(ctx, "no-such-tenant")
	wantCode(t, "ConfigVersion(unknown tenant)", err, roster.ENOTFOUND)

	// Documents come back exactly as written, key order and spacing included.
	docs := []json.RawMessage{
		json.RawMessage(`{"roles": {"Admin": "active"}, "folders": "id"}`),
		json.RawMessage(`{"roles":{"Admin":"active","Reader":"license:E3"}}`),
		json.RawMessage(`{"zeta": 1, "alpha": [3, 2, 1]}`),
	}
	for i, ifVersion := range []int64{0, 1, 0} {
		v, err := s.SetPolicy(ctx, tn.ID, docs[i], ifVersion, "cli:ada@host")
		if err != nil || v != int64(i+1) {
			t.Fatalf("SetPolicy(%s, if %d) = %d, %v; want version %d", docs[i], ifVersion, v, err, i+1)
		}
		p, err := s.Policy(ctx, tn.ID)
		if err != nil || p.Version != v || string(p.Doc) != string(docs[i]) || p.Updated.IsZero() {
			t.Fatalf("Policy after SetPolicy = %+v (doc %s), %v; want version %d, doc %s, a time", p, p.Doc, err, v, docs[i])
		}
	}
	for _, stale := range []int64{1, 2, 4} {
		_, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"lost":true}`), stale, "cli:ada@host")
		wantCode(t, "SetPolicy(if a version that is not the current 3)", err, roster.EPRECONDITION)
	}
	_, err = s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"roles":`), 0, "cli:ada@host")
	wantCode(t, "SetPolicy(not JSON)", err, roster.EINVALID)
	if p, err := s.Policy(ctx, tn.ID); err != nil || p.Version != 3 || string(p.Doc) != string(docs[2]) {
		t.Fatalf("Policy after failed sets = %+v, %v; want version 3 unchanged", p, err)
	}
	// Versions count per tenant.
	if v, err := s.SetPolicy(ctx, other.ID, docs[0], 0, "cli:ada@host"); err != nil || v != 1 {
		t.Errorf("SetPolicy(other tenant) = %d, %v; want version 1", v, err)
	}
	if p, err := s.Policy(ctx, tn.ID); err != nil || p.Version != 3 {
		t.Errorf("Policy after the other tenant's = %+v, %v; want version 3", p, err)
	}
	checkConfigVersion(t, s, mustTenant(t, s, "initech"), other)
}

// checkConfigVersion checks that tn's config version grows with every change
// of its policy or folders, and only with those, and that other's stays.
func checkConfigVersion(t *testing.T, s roster.Store, tn, other *roster.Tenant) {
	ctx := context.Background()
	version := func(tenantID string) int64 {
		t.Helper()
		v, err := s.ConfigVersion(ctx, tenantID)
		if err != nil {
			t.Fatalf("ConfigVersion = %v", err)
		}
		return v
	}
	last, otherLast := version(tn.ID), version(other.ID)
	f := &roster.Folder{Name: "HR", ExternalID: "hr"}
	for _, c := range []struct {
		what         string
		change       func() error
		fails, grows bool
	}{
		{"SetPolicy", func() error { _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{}`), 0, "cli:ada@host"); return err }, false, true},
		{"SetPolicy(stale)", func() error { _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{}`), 9, "cli:ada@host"); return err }, true, false},
		{"CreateFolder", func() error { return s.CreateFolder(ctx, tn.ID, f) }, false, true},
		{"CreateFolder(taken)", func() error { return s.CreateFolder(ctx, tn.ID, &roster.Folder{Name: "x", ExternalID: "HR"}) }, true, false},
		{"UpdateFolder", func() error { f.Name = "People"; return s.UpdateFolder(ctx, tn.ID, f) }, false, true},
		{"UpdateFolder(missing)", func() error { return s.UpdateFolder(ctx, tn.ID, &roster.Folder{ID: "nope", Name: "x"}) }, true, false},
		{"CreateUser", func() error { return s.CreateUser(ctx, tn.ID, newUser(userSpec{userName: "ada"})) }, false, false},
		{"DeleteFolder", func() error { return s.DeleteFolder(ctx, tn.ID, f.ID) }, false, true},
		{"DeleteFolder(missing)", func() error { return s.DeleteFolder(ctx, tn.ID, f.ID) }, true, false},
	} {
		if err := c.change(); (err != nil) != c.fails {
			t.Fatalf("%s = %v, want failure %t", c.what, err, c.fails)
		}
		v := version(tn.ID)
		switch {
		case c.grows && v <= last:
			t.Errorf("ConfigVersion after %s = %d, want more than %d", c.what, v, last)
		case !c.grows && v != last:
			t.Errorf("ConfigVersion after %s = %d, want %d unchanged", c.what, v, last)
		}
		if ov := version(other.ID); ov != otherLast {
			t.Errorf("other tenant's ConfigVersion after %s = %d, want %d unchanged", c.what, ov, otherLast)
		}
		last = v
	}
}

// testPolicyVersions reads a tenant's policy versions back, newest first, page
// by page, each with its document exactly as written and who set it; one
// version by its number; and none of another tenant's.
func testPolicyVersions(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	if _, err := s.SetPolicy(ctx, other.ID, json.RawMessage(`{"other":true}`), 0, "cli:bob@host"); err != nil {
		t.Fatalf("SetPolicy(other) = %v", err)
	}
	if ps, err := s.PolicyVersions(ctx, tn.ID, roster.PolicyVersionQuery{Limit: 10}); err != nil || len(ps) != 0 {
		t.Errorf("PolicyVersions(none set) = %v, %v; want none", ps, err)
	}
	docs := []string{`{"v": 1}`, `{"v":2}`, `{"v": 3, "b": [1, 2]}`, `{"v":4}`, `{ "v" : 5 }`}
	by := []string{"cli:ada@host", "operator:op-1", "", "cli:ada@host", "server:host"}
	for i := range docs {
		if _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(docs[i]), 0, by[i]); err != nil {
			t.Fatalf("SetPolicy(%s) = %v", docs[i], err)
		}
	}
	_, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"lost":true}`), 2, "cli:eve@host")
	wantCode(t, "SetPolicy(stale)", err, roster.EPRECONDITION)

	check := func(what string, p *roster.Policy, version int64) {
		t.Helper()
		i := version - 1
		if p.Version != version || string(p.Doc) != docs[i] || p.SetBy != by[i] || p.Updated.IsZero() {
			t.Errorf("%s = {version %d, doc %s, by %q, updated %v}; want version %d, doc %s, by %q, a time",
				what, p.Version, p.Doc, p.SetBy, p.Updated, version, docs[i], by[i])
		}
	}
	cur, err := s.Policy(ctx, tn.ID)
	if err != nil {
		t.Fatalf("Policy = %v", err)
	}
	check("Policy", cur, 5)

	var got []int64
	for before := int64(0); ; {
		ps, err := s.PolicyVersions(ctx, tn.ID, roster.PolicyVersionQuery{Before: before, Limit: 2})
		if err != nil {
			t.Fatalf("PolicyVersions(before %d, limit 2) = %v", before, err)
		}
		if len(ps) > 2 {
			t.Fatalf("PolicyVersions(before %d, limit 2) returned %d", before, len(ps))
		}
		for _, p := range ps {
			check("PolicyVersions", p, p.Version)
			got = append(got, p.Version)
		}
		if len(ps) < 2 {
			break
		}
		before = ps[len(ps)-1].Version
	}
	if fmt.Sprint(got) != "[5 4 3 2 1]" {
		t.Errorf("PolicyVersions pages = %v, want [5 4 3 2 1]", got)
	}
	if ps, err := s.PolicyVersions(ctx, tn.ID, roster.PolicyVersionQuery{Before: 4, Limit: 10}); err != nil || len(ps) != 3 || ps[0].Version != 3 {
		t.Errorf("PolicyVersions(before 4) = %v, %v; want 3, 2, 1", ps, err)
	}
	if ps, err := s.PolicyVersions(ctx, "no-such-tenant", roster.PolicyVersionQuery{Limit: 10}); err != nil || len(ps) != 0 {
		t.Errorf("PolicyVersions(unknown tenant) = %v, %v; want none", ps, err)
	}

	p, err := s.PolicyVersion(ctx, tn.ID, 3)
	if err != nil {
		t.Fatalf("PolicyVersion(3) = %v", err)
	}
	check("PolicyVersion(3)", p, 3)
	for _, v := range []int64{0, 6, -1} {
		_, err := s.PolicyVersion(ctx, tn.ID, v)
		wantCode(t, fmt.Sprintf("PolicyVersion(%d)", v), err, roster.ENOTFOUND)
	}
	_, err = s.PolicyVersion(ctx, other.ID, 2)
	wantCode(t, "PolicyVersion(the other tenant's 2)", err, roster.ENOTFOUND)
	_, err = s.PolicyVersion(ctx, "no-such-tenant", 1)
	wantCode(t, "PolicyVersion(unknown tenant)", err, roster.ENOTFOUND)
	if p, err := s.PolicyVersion(ctx, other.ID, 1); err != nil || string(p.Doc) != `{"other":true}` || p.SetBy != "cli:bob@host" {
		t.Errorf("PolicyVersion(other, 1) = %+v, %v", p, err)
	}
}
