package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
	now := db.stamp()
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := bumpConfig(ctx, tx, tenantID); err != nil {
			return err
		}
		_, err := txExec(ctx, tx, `INSERT INTO folders (tenant_id, id, external_id, name, created) VALUES (?, ?, ?, ?, ?)`,
			tenantID, id, nullString(f.ExternalID), f.Name, formatTime(now))
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
	var created sql.NullString
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := bumpConfig(ctx, tx, tenantID); err != nil {
			return err
		}
		err := txQueryRow(ctx, tx, `UPDATE folders SET external_id = ?, name = ? WHERE tenant_id = ? AND id = ? RETURNING created`,
			nullString(f.ExternalID), f.Name, tenantID, f.ID).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return folderMissing(f.ID)
		}
		return err
	})
	if err != nil {
		return folderWriteError("update folder", f.ID, f, err)
	}
	if f.Created, err = parseTime(created); err != nil {
		return fmt.Errorf("sqlite: update folder: %w", err)
	}
	return nil
}

// DeleteFolder removes the folder and moves the tenant's config version. ENOTFOUND.
func (db *DB) DeleteFolder(ctx context.Context, tenantID, id string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := bumpConfig(ctx, tx, tenantID); err != nil {
			return err
		}
		res, err := txExec(ctx, tx, `DELETE FROM folders WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			return folderMissing(id)
		}
		return err
	})
	return policyError("delete folder", err)
}

// Folders lists the tenant's folders ordered by name (case-insensitively), then id.
func (db *DB) Folders(ctx context.Context, tenantID string) ([]*roster.Folder, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT id, external_id, name, created FROM folders WHERE tenant_id = ?
		ORDER BY name COLLATE NOCASE, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: folders: %w", err)
	}
	defer rows.Close()
	var fs []*roster.Folder
	for rows.Next() {
		var (
			f                   roster.Folder
			externalID, created sql.NullString
		)
		if err := rows.Scan(&f.ID, &externalID, &f.Name, &created); err != nil {
			return nil, fmt.Errorf("sqlite: folders: %w", err)
		}
		f.ExternalID = externalID.String
		if f.Created, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("sqlite: folders: %w", err)
		}
		fs = append(fs, &f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: folders: %w", err)
	}
	return fs, nil
}

func folderMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "folder %q does not exist", id)
}

// folderWriteError maps a failed folder write to Roster's codes.
func folderWriteError(step, id string, f *roster.Folder, err error) error {
	switch {
	case isPrimaryKey(err):
		return &roster.Error{Code: roster.ECONFLICT, Attr: "id", Detail: fmt.Sprintf("folder id %q is already taken", id)}
	case isUnique(err):
		return &roster.Error{Code: roster.ECONFLICT, Attr: "externalId",
			Detail: fmt.Sprintf("folder externalId %q is already taken", f.ExternalID)}
	}
	return policyError(step, err)
}
