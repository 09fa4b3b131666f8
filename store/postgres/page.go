package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// emailScan is how many emails a user search reads, at most, before it looks
// for matching emails user by user instead (see UserPage).
const emailScan = 1000

// userPageColumns reads a user of a page with its emails, not its groups:
// a list has no room for them, and each user's would cost a search of the
// memberships.
const userPageColumns = userRowColumns + `, '[]'`

// userPageQuery reads the first $3 live users after the userName $2.
const userPageQuery = `SELECT ` + userPageColumns + ` FROM users r
	WHERE r.tenant_id = $1 AND r.retired IS NULL AND lower(r.user_name) > lower($2)
	ORDER BY lower(r.user_name) LIMIT $3`

// userSearchQuery reads the first $3 live users after the userName $2 whose
// id or externalId is $4, or whose userName or an email is like $5: the union
// of reads, each at most a page (an externalId names one user, or very few),
// the last ones the users of the matching emails (userSearchSparse) or a walk
// of the users in userName order (userSearchDense).
const userSearchQuery = `WITH m AS (
		SELECT id FROM users WHERE tenant_id = $1 AND id = $4 AND retired IS NULL AND lower(user_name) > lower($2)
		UNION SELECT id FROM users WHERE tenant_id = $1 AND external_id = $4 AND retired IS NULL AND lower(user_name) > lower($2)
		UNION %s)
	SELECT ` + userPageColumns + ` FROM m JOIN users r ON r.tenant_id = $1 AND r.id = m.id
	ORDER BY lower(r.user_name) LIMIT $3`

// userSearchSparse reads the users whose userName starts with the search,
// and those of the emails that do: few emails, so sorting their users is cheap.
const userSearchSparse = `(SELECT id FROM users
			WHERE tenant_id = $1 AND retired IS NULL AND lower(user_name) > lower($2) AND lower(user_name) LIKE lower($5)
			ORDER BY lower(user_name) LIMIT $3)
		UNION (SELECT u.id FROM user_emails e JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			WHERE e.tenant_id = $1 AND lower(e.value) LIKE lower($5) AND u.retired IS NULL AND lower(u.user_name) > lower($2)
			ORDER BY lower(u.user_name) LIMIT $3)`

// userSearchDense walks the users in userName order, keeping those whose
// userName or an email starts with the search: many emails do, so a page of
// matches comes soon.
const userSearchDense = `(SELECT r.id FROM users r
			WHERE r.tenant_id = $1 AND r.retired IS NULL AND lower(r.user_name) > lower($2)
			AND (lower(r.user_name) LIKE lower($5) OR EXISTS (SELECT 1 FROM user_emails e
				WHERE e.tenant_id = r.tenant_id AND e.user_id = r.id AND lower(e.value) LIKE lower($5)))
			ORDER BY lower(r.user_name) LIMIT $3)`

// UserPage returns at most q.Limit live users of q, ordered by lower(userName)
// in the database's collation.
//
// id and externalId are index lookups. The users of matching emails must be
// sorted by userName, so when more than emailScan emails match, the page
// walks the users in order instead, which meets a page of matches soon as
// they are many. A prefix is a range of the indexes on lower(user_name) and
// lower(value) only when the database's collation is "C" (PostgreSQL then
// reads it so); in any other, a prefix few users have reads every user of the
// tenant. (LIKE is '\'-escaped by default.)
func (db *DB) UserPage(ctx context.Context, tenantID string, q roster.UserPageQuery) ([]*roster.User, error) {
	query, args := userPageQuery, []any{tenantID, q.After, q.Limit}
	if q.Search != "" {
		like := row.Prefix(q.Search)
		var emails int
		err := db.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM user_emails
			WHERE tenant_id = $1 AND lower(value) LIKE lower($2) LIMIT $3) x`, tenantID, like, emailScan+1).Scan(&emails)
		if err != nil {
			return nil, wrap("user page", err)
		}
		arm := userSearchSparse
		if emails > emailScan {
			arm = userSearchDense
		}
		query, args = fmt.Sprintf(userSearchQuery, arm), append(args, q.Search, like)
	}
	rows, _ := db.pool.Query(ctx, query, args...)
	us, err := pgx.CollectRows(rows, scanUser)
	if err != nil {
		return nil, wrap("user page", err)
	}
	return us, nil
}

// groupPageQuery reads the first $4 groups after the group named $2 with the
// id $3, without a search.
const groupPageQuery = `SELECT ` + groupColumns + ` FROM groups r
	WHERE r.tenant_id = $1 AND (lower(r.display_name), r.id) > (lower($2), $3)
	ORDER BY lower(r.display_name), r.id LIMIT $4`

// groupSearchQuery reads the first $4 groups after ($2, $3) whose id or
// externalId is $5, or whose displayName is like $6.
const groupSearchQuery = `WITH m AS (
		SELECT id FROM groups WHERE tenant_id = $1 AND id = $5 AND (lower(display_name), id) > (lower($2), $3)
		UNION SELECT id FROM groups WHERE tenant_id = $1 AND external_id = $5 AND (lower(display_name), id) > (lower($2), $3)
		UNION (SELECT id FROM groups
			WHERE tenant_id = $1 AND lower(display_name) LIKE lower($6) AND (lower(display_name), id) > (lower($2), $3)
			ORDER BY lower(display_name), id LIMIT $4))
	SELECT ` + groupColumns + ` FROM m JOIN groups r ON r.tenant_id = $1 AND r.id = m.id
	ORDER BY lower(r.display_name), r.id LIMIT $4`

// GroupPage returns at most q.Limit groups of q, without their members,
// ordered by lower(displayName) in the database's collation, then id.
func (db *DB) GroupPage(ctx context.Context, tenantID string, q roster.GroupPageQuery) ([]*roster.Group, error) {
	query, args := groupPageQuery, []any{tenantID, q.AfterName, q.AfterID, q.Limit}
	if q.Search != "" {
		query, args = groupSearchQuery, append(args, q.Search, row.Prefix(q.Search))
	}
	rows, _ := db.pool.Query(ctx, query, args...)
	gs, err := pgx.CollectRows(rows, scanGroup)
	if err != nil {
		return nil, wrap("group page", err)
	}
	return gs, nil
}

// GroupMembers returns at most limit members of the group, with their
// displays, in member id order after the id after.
func (db *DB) GroupMembers(ctx context.Context, tenantID, groupID, after string, limit int) ([]roster.Member, error) {
	ms, err := db.memberPage(ctx, tenantID, groupID, after, limit, nil)
	return ms, wrap("group members", err)
}
