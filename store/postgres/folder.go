package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateFolder stores f, filling ID (when empty) and Created, and moves the
// tenant's config version. EINVALID without a name; ECONFLICT (Attr "id" or
// "externalId") when the id, or the external id compared case-insensitively,
// is taken in the tenant; ENOTFOUND when there is no such tenant.
func (db *DB) CreateFolder(ctx context.Context, tenantID string, f *roster.Folder) error {
	if f.Name == "" {
		return roster.Errorf(roster.EINVALID, "a folder needs a name")
	}
	id := f.ID
	if id == "" {
		id = row.NewID()
	}
	var now time.Time
	err := db.write(ctx, tenantID, func(t *tx) error {
		now = t.now
		if err := bumpConfig(ctx, t); err != nil {
			return err
		}
		_, err := t.Exec(ctx, `INSERT INTO folders (tenant_id, id, external_id, name, created) VALUES ($1, $2, $3, $4, $5)`,
			t.tenantID, id, nullString(f.ExternalID), f.Name, t.now)
		return err
	})
	if err != nil {
		return folderWriteError("create folder", id, f, err)
	}
	f.ID, f.Created = id, now
	return nil
}

// UpdateFolder replaces the external id and name of the folder f.ID, fills
// f.Created, and moves the tenant's config version. EINVALID without a name;
// ENOTFOUND; ECONFLICT (Attr "externalId") when the external id is taken.
func (db *DB) UpdateFolder(ctx context.Context, tenantID string, f *roster.Folder) error {
	if f.Name == "" {
		return roster.Errorf(roster.EINVALID, "a folder needs a name")
	}
	var created time.Time
	err := db.write(ctx, tenantID, func(t *tx) error {
		if err := bumpConfig(ctx, t); err != nil {
			return err
		}
		err := t.QueryRow(ctx, `UPDATE folders SET external_id = $1, name = $2 WHERE tenant_id = $3 AND id = $4 RETURNING created`,
			nullString(f.ExternalID), f.Name, t.tenantID, f.ID).Scan(&created)
		if errors.Is(err, pgx.ErrNoRows) {
			return folderMissing(f.ID)
		}
		return err
	})
	if err != nil {
		return folderWriteError("update folder", f.ID, f, err)
	}
	f.Created = created.UTC()
	return nil
}

// DeleteFolder removes the folder and moves the tenant's config version. ENOTFOUND.
func (db *DB) DeleteFolder(ctx context.Context, tenantID, id string) error {
	err := db.write(ctx, tenantID, func(t *tx) error {
		if err := bumpConfig(ctx, t); err != nil {
			return err
		}
		tag, err := t.Exec(ctx, `DELETE FROM folders WHERE tenant_id = $1 AND id = $2`, t.tenantID, id)
		if err == nil && tag.RowsAffected() == 0 {
			return folderMissing(id)
		}
		return err
	})
	return wrap("delete folder", err)
}

// Folders lists the tenant's folders ordered by name (case-insensitively), then id.
func (db *DB) Folders(ctx context.Context, tenantID string) ([]*roster.Folder, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT id, external_id, name, created FROM folders WHERE tenant_id = $1
		ORDER BY lower(name) COLLATE "C", id COLLATE "C"`, tenantID)
	fs, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (*roster.Folder, error) {
		var (
			f          roster.Folder
			externalID *string
		)
		if err := cr.Scan(&f.ID, &externalID, &f.Name, &f.Created); err != nil {
			return nil, err
		}
		if externalID != nil {
			f.ExternalID = *externalID
		}
		f.Created = f.Created.UTC()
		return &f, nil
	})
	if err != nil {
		return nil, wrap("folders", err)
	}
	return fs, nil
}

func folderMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "folder %q does not exist", id)
}

// folderWriteError maps a failed folder write to Roster's codes.
func folderWriteError(step, id string, f *roster.Folder, err error) error {
	switch code, constraint := sqlState(err); {
	case code == uniqueViolation && constraint == "folders_pkey":
		return &roster.Error{Code: roster.ECONFLICT, Attr: "id", Detail: fmt.Sprintf("folder id %q is already taken", id)}
	case code == uniqueViolation:
		return &roster.Error{Code: roster.ECONFLICT, Attr: "externalId",
			Detail: fmt.Sprintf("folder externalId %q is already taken", f.ExternalID)}
	}
	return wrap(step, err)
}
