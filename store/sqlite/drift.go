package sqlite

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster"
)

// UsersWithIdPValues returns at most limit live users of the tenant holding
// IdP values (roster.User.IdP), ordered by id, after the id after.
func (db *DB) UsersWithIdPValues(ctx context.Context, tenantID, after string, limit int) ([]*roster.User, error) {
	us, err := page(ctx, db, nil, `SELECT `+userPageColumns+` FROM users r
		WHERE r.tenant_id = ?1 AND r.idp_doc IS NOT NULL AND r.retired IS NULL AND r.id > ?2
		ORDER BY r.id LIMIT ?3`, []any{tenantID, after, limit}, scanUser)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users with IdP values: %w", err)
	}
	return us, nil
}
