package storetest

import (
	"context"
	"encoding/json"
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
	_, err = s.SetPolicy(ctx, "no-such-tenant", json.RawMessage(`{}`), 0)
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
		v, err := s.SetPolicy(ctx, tn.ID, docs[i], ifVersion)
		if err != nil || v != int64(i+1) {
			t.Fatalf("SetPolicy(%s, if %d) = %d, %v; want version %d", docs[i], ifVersion, v, err, i+1)
		}
		p, err := s.Policy(ctx, tn.ID)
		if err != nil || p.Version != v || string(p.Doc) != string(docs[i]) || p.Updated.IsZero() {
			t.Fatalf("Policy after SetPolicy = %+v (doc %s), %v; want version %d, doc %s, a time", p, p.Doc, err, v, docs[i])
		}
	}
	for _, stale := range []int64{1, 2, 4} {
		_, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"lost":true}`), stale)
		wantCode(t, "SetPolicy(if a version that is not the current 3)", err, roster.EPRECONDITION)
	}
	_, err = s.SetPolicy(ctx, tn.ID, json.RawMessage(`{"roles":`), 0)
	wantCode(t, "SetPolicy(not JSON)", err, roster.EINVALID)
	if p, err := s.Policy(ctx, tn.ID); err != nil || p.Version != 3 || string(p.Doc) != string(docs[2]) {
		t.Fatalf("Policy after failed sets = %+v, %v; want version 3 unchanged", p, err)
	}
	// Versions count per tenant.
	if v, err := s.SetPolicy(ctx, other.ID, docs[0], 0); err != nil || v != 1 {
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
		{"SetPolicy", func() error { _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{}`), 0); return err }, false, true},
		{"SetPolicy(stale)", func() error { _, err := s.SetPolicy(ctx, tn.ID, json.RawMessage(`{}`), 9); return err }, true, false},
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
