package admin

import (
	"context"

	"github.com/rosterhq/roster"
)

// CreateFolder creates a folder of the host app in the tenant named by id or
// name: f.Name, the id the IdP may send for it (f.ExternalID, "" for none)
// and its id (f.ID, "" for a generated one). Policies resolve users' folder
// values to it, and running servers learn of it within their config refresh.
// ENOTFOUND; EINVALID without a name; ECONFLICT when the id, or the external
// id in any case, is taken.
func (s *Service) CreateFolder(ctx context.Context, tenant string, f roster.Folder) (*roster.Folder, error) {
	if f.Name == "" {
		return nil, roster.Errorf(roster.EINVALID, "a folder needs a name")
	}
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateFolder(ctx, t.ID, &f); err != nil {
		return nil, err
	}
	return &f, s.audit(ctx, change{action: "folder.create", tenant: t, target: f.ID, after: folderStateOf(&f)})
}

// Folders lists the folders of the tenant named by id or name, ordered by
// name. ENOTFOUND.
func (s *Service) Folders(ctx context.Context, tenant string) (*roster.Tenant, []*roster.Folder, error) {
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	fs, err := s.store.Folders(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	return t, fs, nil
}

// FolderUpdate names what an update changes; a nil field keeps its value.
type FolderUpdate struct {
	Name       *string
	ExternalID *string // "" clears it
}

// UpdateFolder applies u to the folder id of the tenant named by id or name
// and returns the folder as updated. ENOTFOUND (the tenant or the folder);
// EINVALID for an empty name; ECONFLICT for an external id another folder has.
func (s *Service) UpdateFolder(ctx context.Context, tenant, id string, u FolderUpdate) (*roster.Folder, error) {
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	f, err := s.folder(ctx, t.ID, id)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, roster.Errorf(roster.ENOTFOUND, "folder update: no folder %q", id)
	}
	if err != nil {
		return nil, err
	}
	before := folderStateOf(f)
	if u.Name != nil {
		f.Name = *u.Name
	}
	if u.ExternalID != nil {
		f.ExternalID = *u.ExternalID
	}
	if err := s.store.UpdateFolder(ctx, t.ID, f); err != nil {
		return nil, err
	}
	return f, s.audit(ctx, change{action: "folder.update", tenant: t, target: f.ID, before: before, after: folderStateOf(f)})
}

// DeleteFolder deletes the folder id of the tenant named by id or name: users
// who name it keep the value, unresolved. ENOTFOUND (the tenant or the folder).
func (s *Service) DeleteFolder(ctx context.Context, tenant, id string) error {
	t, err := s.store.Tenant(ctx, tenant)
	if err != nil {
		return err
	}
	f, err := s.folder(ctx, t.ID, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteFolder(ctx, t.ID, id); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "folder.delete", tenant: t, target: id, before: folderStateOf(f)})
}

// folder returns the tenant's folder id. ENOTFOUND, worded as the stores word it.
func (s *Service) folder(ctx context.Context, tenantID, id string) (*roster.Folder, error) {
	fs, err := s.store.Folders(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return nil, roster.Errorf(roster.ENOTFOUND, "folder %q does not exist", id)
}

// folderState is what the audit trail records of a folder.
type folderState struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id,omitempty"`
	Name       string `json:"name"`
}

func folderStateOf(f *roster.Folder) folderState {
	return folderState{ID: f.ID, ExternalID: f.ExternalID, Name: f.Name}
}
