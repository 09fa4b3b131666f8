package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	_, err := db.pool.Exec(ctx, `INSERT INTO tenants (id, name, display_name, created) VALUES ($1, $2, $3, $4)`,
		t.ID, t.Name, t.DisplayName, t.Created)
	switch code, constraint := sqlState(err); {
	case code == uniqueViolation && constraint == "tenants_pkey":
		return roster.Errorf(roster.ECONFLICT, "tenant id %q is already taken", t.ID)
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "tenant name %q is already taken", t.Name)
	case err != nil:
		return wrap("create tenant", err)
	}
	return nil
}

// Tenant finds a tenant by id or, failing that, by name. ENOTFOUND if there is none.
func (db *DB) Tenant(ctx context.Context, idOrName string) (*roster.Tenant, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT `+tenantColumns+` FROM tenants WHERE id = $1 OR name = $1
		ORDER BY id = $1 DESC LIMIT 1`, idOrName)
	t, err := pgx.CollectExactlyOneRow(rows, scanTenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", idOrName)
	}
	if err != nil {
		return nil, wrap("tenant", err)
	}
	return t, nil
}

// Tenants lists every tenant ordered by name.
func (db *DB) Tenants(ctx context.Context) ([]*roster.Tenant, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY name`)
	ts, err := pgx.CollectRows(rows, scanTenant)
	if err != nil {
		return nil, wrap("tenants", err)
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
		return wrap("update tenant settings", err)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE tenants SET settings = $2::jsonb, config_version = config_version + 1 WHERE id = $1`, id, string(b))
	if err != nil {
		return wrap("update tenant settings", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "tenant %q does not exist", id)
	}
	return nil
}

// SetTenantDisplayName replaces the display name of the tenant id. ENOTFOUND.
func (db *DB) SetTenantDisplayName(ctx context.Context, id, displayName string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tenants SET display_name = $2 WHERE id = $1`, id, displayName)
	if err != nil {
		return wrap("set tenant display name", err)
	}
	if tag.RowsAffected() == 0 {
		return tenantMissing(id)
	}
	return nil
}

// SetTenantDisabled disables or enables the tenant id and grows its config
// version. ENOTFOUND.
func (db *DB) SetTenantDisabled(ctx context.Context, id string, disabled bool) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tenants SET disabled = $2, config_version = config_version + 1 WHERE id = $1`, id, disabled)
	if err != nil {
		return wrap("set tenant disabled", err)
	}
	if tag.RowsAffected() == 0 {
		return tenantMissing(id)
	}
	return nil
}

// DeleteTenant deletes the tenant id and every row keyed by it in one
// transaction: events and the provisioning log explicitly, the rest by the
// foreign keys' cascades from tenants. ENOTFOUND.
func (db *DB) DeleteTenant(ctx context.Context, id string) error {
	var n int64
	err := pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error {
		for _, q := range []string{`DELETE FROM events WHERE tenant_id = $1`, `DELETE FROM provisioning_log WHERE tenant_id = $1`} {
			if _, err := t.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		tag, err := t.Exec(ctx, `DELETE FROM tenants WHERE id = $1`, id)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return wrap("delete tenant", err)
	}
	if n == 0 {
		return tenantMissing(id)
	}
	return nil
}

// tenantColumns are the columns scanTenant reads.
const tenantColumns = `id, name, display_name, disabled, settings, coalesce(organization, ''), created`

func scanTenant(cr pgx.CollectableRow) (*roster.Tenant, error) {
	var (
		t        roster.Tenant
		settings []byte
	)
	if err := cr.Scan(&t.ID, &t.Name, &t.DisplayName, &t.Disabled, &settings, &t.Organization, &t.Created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(settings, &t.Settings); err != nil {
		return nil, fmt.Errorf("tenant %s settings: %w", t.ID, err)
	}
	t.Created = t.Created.UTC()
	return &t, nil
}

// TenantPage returns at most q.Limit tenants of q, ordered by name (byte
// order, as the keyset of the next page compares).
func (db *DB) TenantPage(ctx context.Context, q roster.TenantQuery) ([]*roster.Tenant, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT `+tenantColumns+` FROM tenants
		WHERE name COLLATE "C" > $1 AND ($2 = '' OR strpos(lower(name), lower($2)) > 0 OR strpos(lower(display_name), lower($2)) > 0)
		ORDER BY name COLLATE "C" LIMIT $3`, q.After, q.Search, q.Limit)
	ts, err := pgx.CollectRows(rows, scanTenant)
	if err != nil {
		return nil, wrap("tenant page", err)
	}
	return ts, nil
}
