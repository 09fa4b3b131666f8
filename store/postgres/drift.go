package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// UsersWithIdPValues returns at most limit live users of the tenant holding
// IdP values (roster.User.IdP), ordered by id, after the id after.
func (db *DB) UsersWithIdPValues(ctx context.Context, tenantID, after string, limit int) ([]*roster.User, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+userPageColumns+` FROM users r
		WHERE r.tenant_id = $1 AND r.idp_doc IS NOT NULL AND r.retired IS NULL AND r.id > $2
		ORDER BY r.id LIMIT $3`, tenantID, after, limit)
	us, err := pgx.CollectRows(rows, scanUser)
	if err != nil {
		return nil, wrap("users with IdP values", err)
	}
	return us, nil
}
