package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

func testFolders(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")

	hr := &roster.Folder{Name: "HR", ExternalID: "Dept-HR"}
	if err := s.CreateFolder(ctx, tn.ID, hr); err != nil || hr.ID == "" || hr.Created.IsZero() {
		t.Fatalf("CreateFolder = %v, ID %q, Created %v; want an id and a time", err, hr.ID, hr.Created)
	}
	fixed := &roster.Folder{ID: "f-sales", Name: "Sales"}
	if err := s.CreateFolder(ctx, tn.ID, fixed); err != nil || fixed.ID != "f-sales" {
		t.Fatalf("CreateFolder(with id) = %v, ID %q", err, fixed.ID)
	}
	// Folders without an external id do not collide.
	archive := &roster.Folder{Name: "Archive"}
	mustFolder(t, s, tn.ID, archive)

	wantConflict(t, "CreateFolder(taken id)", s.CreateFolder(ctx, tn.ID, &roster.Folder{ID: "f-sales", Name: "X"}), "id")
	wantConflict(t, "CreateFolder(taken externalId, other case)",
		s.CreateFolder(ctx, tn.ID, &roster.Folder{Name: "X", ExternalID: "DEPT-hr"}), "externalId")
	wantCode(t, "CreateFolder(no name)", s.CreateFolder(ctx, tn.ID, &roster.Folder{}), roster.EINVALID)
	wantCode(t, "CreateFolder(unknown tenant)", s.CreateFolder(ctx, "no-such-tenant", &roster.Folder{Name: "X"}), roster.ENOTFOUND)
	// Another tenant has its own ids and external ids.
	mustFolder(t, s, other.ID, &roster.Folder{ID: "f-sales", Name: "Sales", ExternalID: "dept-hr"})

	// Update: a folder may change the case of its own external id, not take another's.
	hr.Name, hr.ExternalID = "People", "DEPT-HR"
	created := hr.Created
	hr.Created = created.AddDate(1, 0, 0)
	if err := s.UpdateFolder(ctx, tn.ID, hr); err != nil || !hr.Created.Equal(created) {
		t.Fatalf("UpdateFolder = %v, Created %v; want success, Created %v", err, hr.Created, created)
	}
	wantConflict(t, "UpdateFolder(to a taken externalId)",
		s.UpdateFolder(ctx, tn.ID, &roster.Folder{ID: "f-sales", Name: "Sales", ExternalID: "dept-hr"}), "externalId")
	wantCode(t, "UpdateFolder(missing)", s.UpdateFolder(ctx, tn.ID, &roster.Folder{ID: "nope", Name: "X"}), roster.ENOTFOUND)
	wantCode(t, "UpdateFolder(no name)", s.UpdateFolder(ctx, tn.ID, &roster.Folder{ID: "f-sales"}), roster.EINVALID)
	wantCode(t, "UpdateFolder(other tenant's)", s.UpdateFolder(ctx, other.ID, &roster.Folder{ID: hr.ID, Name: "X"}), roster.ENOTFOUND)
	wantCode(t, "DeleteFolder(other tenant's)", s.DeleteFolder(ctx, other.ID, hr.ID), roster.ENOTFOUND)

	// Order: by name regardless of case, then by id.
	for _, f := range []*roster.Folder{{ID: "b", Name: "Same"}, {ID: "a", Name: "Same"}, {ID: "c", Name: "alpha"}} {
		mustFolder(t, s, tn.ID, f)
	}
	type named struct{ Name, ID string }
	want := []named{{"alpha", "c"}, {"Archive", archive.ID}, {"People", hr.ID}, {"Sales", "f-sales"}, {"Same", "a"}, {"Same", "b"}}
	got := folders(t, s, tn.ID)
	var order []named
	for _, f := range got {
		order = append(order, named{f.Name, f.ID})
	}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Fatalf("Folders order mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(hr, got[2]); diff != "" {
		t.Errorf("Folders: updated folder mismatch (-want +got):\n%s", diff)
	}

	if err := s.DeleteFolder(ctx, tn.ID, hr.ID); err != nil {
		t.Fatalf("DeleteFolder = %v", err)
	}
	wantCode(t, "DeleteFolder(deleted)", s.DeleteFolder(ctx, tn.ID, hr.ID), roster.ENOTFOUND)
	if n := len(folders(t, s, tn.ID)); n != 5 {
		t.Errorf("Folders after delete = %d, want 5", n)
	}
	// The deleted folder's external id is free again.
	mustFolder(t, s, tn.ID, &roster.Folder{Name: "HR", ExternalID: "dept-HR"})
	if fs := folders(t, s, other.ID); len(fs) != 1 || fs[0].ID != "f-sales" || fs[0].ExternalID != "dept-hr" {
		t.Errorf("other tenant's Folders = %+v, want its one folder untouched", fs)
	}
	if fs := folders(t, s, "no-such-tenant"); len(fs) != 0 {
		t.Errorf("Folders(unknown tenant) = %+v, want none", fs)
	}
}

func mustFolder(t *testing.T, s roster.Store, tenantID string, f *roster.Folder) {
	t.Helper()
	if err := s.CreateFolder(context.Background(), tenantID, f); err != nil {
		t.Fatalf("CreateFolder(%q) = %v", f.Name, err)
	}
}

func folders(t *testing.T, s roster.Store, tenantID string) []*roster.Folder {
	t.Helper()
	fs, err := s.Folders(context.Background(), tenantID)
	if err != nil {
		t.Fatalf("Folders = %v", err)
	}
	return fs
}

// wantConflict fails t unless err is ECONFLICT about attr.
func wantConflict(t *testing.T, what string, err error, attr string) {
	t.Helper()
	wantCode(t, what, err, roster.ECONFLICT)
	var re *roster.Error
	errors.As(err, &re)
	if re.Attr != attr {
		t.Fatalf("%s = %v, Attr %q; want Attr %q", what, err, re.Attr, attr)
	}
}
