package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

// testAudit appends audit rows and reads them back newest first, by tenant id
// or name, bounded by the limit; deleting the tenant keeps its rows.
func testAudit(t *testing.T, s roster.Store) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "beta")
	at := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	es := []*roster.AuditEntry{
		{Time: at, Actor: "server:host", Action: "tenant.create", TenantID: a.ID, Tenant: a.Name, After: json.RawMessage(`{"name":"alpha"}`)},
		{Time: at.Add(time.Second), Actor: "cli:ada@host", Action: "token.create", TenantID: b.ID, Tenant: b.Name, Target: "tok-1",
			After: json.RawMessage(`{"id":"tok-1","prefix":"rst_abcdefgh"}`)},
		{Time: at.Add(2 * time.Second), Actor: "operator:op-7", Source: "192.0.2.1", Action: "tenant.update", TenantID: a.ID, Tenant: a.Name,
			Before: json.RawMessage(`{"settings":{}}`), After: json.RawMessage(`{"settings":{"rate_limit":{"rate":5}}}`)},
		{Time: at.Add(3 * time.Second), Actor: "cli:ada@host", Action: "token.revoke", Target: "tok-1"},
	}
	for _, e := range es {
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatalf("AppendAudit(%s) = %v", e.Action, err)
		}
	}
	if es[0].ID == 0 || es[1].ID <= es[0].ID {
		t.Fatalf("AppendAudit ids %d, %d: want increasing", es[0].ID, es[1].ID)
	}
	norm := cmp.Transformer("json", func(m json.RawMessage) any {
		var v any
		json.Unmarshal(m, &v)
		return v
	})
	got, err := s.Audit(ctx, roster.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatalf("Audit() = %v", err)
	}
	if diff := cmp.Diff([]*roster.AuditEntry{es[3], es[2], es[1], es[0]}, got, norm); diff != "" {
		t.Errorf("Audit() (-want +got):\n%s", diff)
	}
	for _, key := range []string{a.ID, "alpha"} {
		got, err := s.Audit(ctx, roster.AuditQuery{Tenant: key, Limit: 10})
		if err != nil || len(got) != 2 || got[0].ID != es[2].ID || got[1].ID != es[0].ID {
			t.Errorf("Audit(tenant %q) = %v, %v; want alpha's two rows, newest first", key, got, err)
		}
	}
	if got, err := s.Audit(ctx, roster.AuditQuery{Limit: 1}); err != nil || len(got) != 1 || got[0].ID != es[3].ID {
		t.Errorf("Audit(limit 1) = %v, %v; want the newest row", got, err)
	}
	// Keyset paging: each page starts before the previous page's last row,
	// within a tenant too.
	var pages [][]int64
	for before := int64(0); len(pages) < 3; {
		got, err := s.Audit(ctx, roster.AuditQuery{Before: before, Limit: 3})
		if err != nil {
			t.Fatalf("Audit(before %d) = %v", before, err)
		}
		var ids []int64
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		pages = append(pages, ids)
		if len(got) < 3 {
			break
		}
		before = got[len(got)-1].ID
	}
	if want := [][]int64{{es[3].ID, es[2].ID, es[1].ID}, {es[0].ID}}; !cmp.Equal(pages, want) {
		t.Errorf("Audit pages of 3 = %v, want %v", pages, want)
	}
	if got, err := s.Audit(ctx, roster.AuditQuery{Tenant: "alpha", Before: es[2].ID, Limit: 10}); err != nil || len(got) != 1 || got[0].ID != es[0].ID {
		t.Errorf("Audit(tenant alpha, before %d) = %v, %v; want its older row", es[2].ID, got, err)
	}
	if err := s.DeleteTenant(ctx, a.ID); err != nil {
		t.Fatalf("DeleteTenant = %v", err)
	}
	if got, err := s.Audit(ctx, roster.AuditQuery{Tenant: "alpha", Limit: 10}); err != nil || len(got) != 2 {
		t.Errorf("Audit(deleted tenant) = %v, %v; want its two rows kept", got, err)
	}
}
