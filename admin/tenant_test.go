package admin_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// TestTenantDirectory sets, refuses and clears a tenant's directory: a name
// outside roster.Directories is refused with the choices listed and changes
// nothing, and each change is one tenant.update audit row with the
// directory before and after.
func TestTenantDirectory(t *testing.T) {
	svc, _, ctx := newService(t)
	mustTenant(t, svc, ctx, "acme")

	okta := roster.DirectoryOkta
	tn, err := svc.UpdateTenant(ctx, "acme", admin.TenantUpdate{Directory: &okta})
	if err != nil || tn.Settings.Directory != okta {
		t.Fatalf("UpdateTenant(directory okta) = %+v, %v", tn, err)
	}
	for _, bad := range []roster.Directory{"ping", "Okta", " okta", "google"} {
		_, err := svc.UpdateTenant(ctx, "acme", admin.TenantUpdate{Directory: &bad})
		wantCode(t, "UpdateTenant(directory "+string(bad)+")", err, roster.EINVALID)
		if err != nil && !strings.Contains(err.Error(), "entra, okta, onelogin, jumpcloud, other") {
			t.Errorf("UpdateTenant(directory %q) = %v, want the choices listed", bad, err)
		}
	}
	if tn, err := svc.Tenant(ctx, "acme"); err != nil || tn.Settings.Directory != okta {
		t.Fatalf("after the refusals: Tenant = %+v, %v; want directory okta", tn, err)
	}
	// A policy's trial reads a document as the tenant's directory sends it.
	doc := map[string]any{"userName": "a@example.org",
		"urn:scim:schemas:extension:enterprise:1.0": map[string]any{"department": "West Area Computing"}}
	tr, err := svc.TryPolicyWith(ctx, "acme", admin.PolicyTry{User: doc})
	if err != nil || tr.Refusal == nil {
		t.Errorf("TryPolicyWith(1.0 extension), directory okta = %+v, %v; want a refusal", tr, err)
	}
	onelogin := roster.DirectoryOneLogin
	if _, err := svc.UpdateTenant(ctx, "acme", admin.TenantUpdate{Directory: &onelogin}); err != nil {
		t.Fatal(err)
	}
	tr, err = svc.TryPolicyWith(ctx, "acme", admin.PolicyTry{User: doc})
	if err != nil || tr.Refusal != nil || !strings.Contains(fmt.Sprint(tr.Stored), "enterprise:2.0:User:map[department:West Area Computing]") {
		t.Errorf("TryPolicyWith(1.0 extension), directory onelogin = %+v, %v; want it read as the 2.0 extension", tr, err)
	}
	if _, err := svc.UpdateTenant(ctx, "acme", admin.TenantUpdate{Directory: &okta}); err != nil {
		t.Fatal(err)
	}
	// Another setting leaves the directory as it is.
	rate := 3.0
	if tn, err := svc.UpdateTenant(ctx, "acme", admin.TenantUpdate{Rate: &rate}); err != nil || tn.Settings.Directory != okta {
		t.Fatalf("UpdateTenant(rate 3) = %+v, %v; want directory okta kept", tn, err)
	}
	none := roster.Directory("")
	if tn, err := svc.UpdateTenant(ctx, "acme", admin.TenantUpdate{Directory: &none}); err != nil || tn.Settings.Directory != "" {
		t.Fatalf("UpdateTenant(directory \"\") = %+v, %v", tn, err)
	}

	rows := auditRows(t, svc, ctx, "tenant.update")
	var got []string
	for _, e := range rows {
		got = append(got, directoryOf(t, e.Before)+" -> "+directoryOf(t, e.After))
	}
	want := " -> okta, okta -> onelogin, onelogin -> okta, okta -> okta, okta -> "
	if strings.Join(got, ", ") != want {
		t.Errorf("tenant.update rows: directory %q, want %q", strings.Join(got, ", "), want)
	}
	if len(rows) > 0 && rows[0].Actor != testActor.String() {
		t.Errorf("audit actor = %q, want %q", rows[0].Actor, testActor.String())
	}
}

// directoryOf reads settings.directory from an audit row's tenant state.
func directoryOf(t *testing.T, doc json.RawMessage) string {
	t.Helper()
	var st struct {
		Settings roster.TenantSettings `json:"settings"`
	}
	if err := json.Unmarshal(doc, &st); err != nil {
		t.Fatalf("audit state %s: %v", doc, err)
	}
	return string(st.Settings.Directory)
}
