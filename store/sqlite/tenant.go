package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateTenant stores t, filling ID (when empty) and Created. ECONFLICT if the name is taken.
func (db *DB) CreateTenant(ctx context.Context, t *roster.Tenant) error {
	if t.Name == "" {
		return roster.Errorf(roster.EINVALID, "a tenant needs a name")
	}
	if t.ID == "" {
		t.ID = row.NewID()
	}
	t.Created = db.stamp()
	_, err := db.exec(ctx, `INSERT INTO tenants (id, name, display_name, created) VALUES (?, ?, ?, ?)`,
		t.ID, t.Name, t.DisplayName, formatTime(t.Created))
	switch {
	case isPrimaryKey(err):
		return roster.Errorf(roster.ECONFLICT, "tenant id %q is already taken", t.ID)
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "tenant name %q is already taken", t.Name)
	case err != nil:
		return fmt.Errorf("sqlite: create tenant: %w", err)
	}
	return nil
}

// Tenant finds a tenant by id or, failing that, by name. ENOTFOUND if there is none.
func (db *DB) Tenant(ctx context.Context, idOrName string) (*roster.Tenant, error) {
	row := db.read.QueryRowContext(ctx, `
		SELECT `+tenantColumns+` FROM tenants WHERE id = ?1
		UNION ALL
		SELECT `+tenantColumns+` FROM tenants WHERE name = ?1 AND id <> ?1
		LIMIT 1`, idOrName)
	t, err := scanTenant(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", idOrName)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant: %w", err)
	}
	return t, nil
}

// Tenants lists every tenant ordered by name.
func (db *DB) Tenants(ctx context.Context) ([]*roster.Tenant, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenants: %w", err)
	}
	defer rows.Close()
	var ts []*roster.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tenants: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tenants: %w", err)
	}
	return ts, nil
}

// UpdateTenantSettings replaces the settings of the tenant id and grows its
// config version. EINVALID, ENOTFOUND.
func (db *DB) UpdateTenantSettings(ctx context.Context, id string, s roster.TenantSettings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: update tenant settings: %w", err)
	}
	n, err := db.exec(ctx, `UPDATE tenants SET settings = ?, config_version = config_version + 1 WHERE id = ?`, string(b), id)
	if err != nil {
		return fmt.Errorf("sqlite: update tenant settings: %w", err)
	}
	if n == 0 {
		return tenantMissing(id)
	}
	return nil
}

// SetTenantDisplayName replaces the display name of the tenant id. ENOTFOUND.
func (db *DB) SetTenantDisplayName(ctx context.Context, id, displayName string) error {
	n, err := db.exec(ctx, `UPDATE tenants SET display_name = ? WHERE id = ?`, displayName, id)
	if err != nil {
		return fmt.Errorf("sqlite: set tenant display name: %w", err)
	}
	if n == 0 {
		return tenantMissing(id)
	}
	return nil
}

// SetTenantDisabled disables or enables the tenant id and grows its config
// version. ENOTFOUND.
func (db *DB) SetTenantDisabled(ctx context.Context, id string, disabled bool) error {
	n, err := db.exec(ctx, `UPDATE tenants SET disabled = ?, config_version = config_version + 1 WHERE id = ?`, disabled, id)
	if err != nil {
		return fmt.Errorf("sqlite: set tenant disabled: %w", err)
	}
	if n == 0 {
		return tenantMissing(id)
	}
	return nil
}

// DeleteTenant deletes the tenant id and every row keyed by it: the foreign
// keys cascade from tenants, events are deleted in the same transaction, and
// the tenant's provisioning log (a database of its own) right after. ENOTFOUND.
func (db *DB) DeleteTenant(ctx context.Context, id string) error {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE tenant_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM tenants WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete tenant: %w", err)
	}
	if n == 0 {
		return tenantMissing(id)
	}
	for {
		_, done, err := db.deleteChunks(ctx, `tenant_id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete tenant: provisioning log: %w", err)
		}
		if done {
			return nil
		}
	}
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// tenantColumns are the columns scanTenant reads.
const tenantColumns = `id, name, display_name, disabled, settings, coalesce(organization, ''), created`

func scanTenant(s scanner) (*roster.Tenant, error) {
	var (
		t        roster.Tenant
		settings string
		created  sql.NullString
	)
	if err := s.Scan(&t.ID, &t.Name, &t.DisplayName, &t.Disabled, &settings, &t.Organization, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(settings), &t.Settings); err != nil {
		return nil, fmt.Errorf("tenant %s settings: %w", t.ID, err)
	}
	var err error
	t.Created, err = parseTime(created)
	return &t, err
}

// TenantPage returns at most q.Limit tenants of q, ordered by name.
func (db *DB) TenantPage(ctx context.Context, q roster.TenantQuery) ([]*roster.Tenant, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT `+tenantColumns+` FROM tenants
		WHERE name > ?1 AND (?2 = '' OR instr(lower(name), lower(?2)) > 0 OR instr(lower(display_name), lower(?2)) > 0)
		ORDER BY name LIMIT ?3`, q.After, q.Search, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant page: %w", err)
	}
	defer rows.Close()
	var ts []*roster.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tenant page: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tenant page: %w", err)
	}
	return ts, nil
}
