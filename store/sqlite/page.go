package sqlite

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// emailScan is how many emails a user search reads by their index, at most,
// before it looks for matching emails user by user instead (see UserPage).
const emailScan = 1000

// userPageColumns reads a user of a page with its emails, not its groups:
// a list has no room for them, and each user's would cost a search of the
// memberships.
const userPageColumns = userRowColumns + `, '[]'`

// userPageQuery reads the first ?3 live users after the userName ?2.
const userPageQuery = `SELECT ` + userPageColumns + ` FROM users r
	WHERE r.tenant_id = ?1 AND r.retired IS NULL AND r.user_name > ?2
	ORDER BY r.user_name LIMIT ?3`

// userSearchQuery reads the first ?3 live users after the userName ?2 whose
// id or externalId is ?4, or whose userName or an email is like ?5. It is the
// union of index reads, each at most a page, the last ones the users of the
// matching emails (userSearchSparse) or a walk of the users in userName order
// (userSearchDense). The externalId read has no ORDER BY, which would have
// SQLite walk the userName index instead of the externalId's (an externalId
// names one user, or very few). CROSS JOIN keeps SQLite to the order written.
const userSearchQuery = `WITH m(rid) AS (
		SELECT rowid FROM users WHERE tenant_id = ?1 AND id = ?4 AND retired IS NULL AND +user_name > ?2
		UNION SELECT rowid FROM users WHERE tenant_id = ?1 AND external_id = ?4 AND retired IS NULL AND +user_name > ?2
		UNION SELECT rid FROM (%s))
	SELECT ` + userPageColumns + ` FROM m CROSS JOIN users r ON r.rowid = m.rid
	ORDER BY r.user_name LIMIT ?3`

// userSearchSparse reads the users whose userName starts with the search (a
// range of the userName index) and those of the emails that do (a range of
// the email index): few emails, so sorting their users is cheap.
const userSearchSparse = `SELECT rid FROM (SELECT rowid AS rid FROM users
			WHERE tenant_id = ?1 AND retired IS NULL AND user_name > ?2 AND user_name LIKE ?5 ESCAPE '\'
			ORDER BY user_name LIMIT ?3)
		UNION SELECT rid FROM (SELECT u.rowid AS rid FROM user_emails e
			CROSS JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			WHERE e.tenant_id = ?1 AND e.value LIKE ?5 ESCAPE '\' AND u.retired IS NULL AND u.user_name > ?2
			ORDER BY u.user_name LIMIT ?3)`

// userSearchDense walks the users in userName order, keeping those whose
// userName or an email starts with the search: many emails do, so a page of
// matches comes soon.
const userSearchDense = `SELECT r.rowid AS rid FROM users r
			WHERE r.tenant_id = ?1 AND r.retired IS NULL AND r.user_name > ?2
			AND (r.user_name LIKE ?5 ESCAPE '\' OR EXISTS (SELECT 1 FROM user_emails e
				WHERE e.tenant_id = r.tenant_id AND e.user_id = r.id AND +e.value LIKE ?5 ESCAPE '\'))
			ORDER BY r.user_name LIMIT ?3`

// UserPage returns at most q.Limit live users of q, ordered by userName as
// the column compares (ASCII letters in any case).
//
// A search costs about a page whatever the tenant's size: id and externalId
// are index lookups, a userName prefix a range of its index. Emails are the
// exception: the users of matching emails must be sorted by userName, so
// when more than emailScan emails match, the page walks the users in order
// instead, which meets a page of matches soon as they are many.
func (db *DB) UserPage(ctx context.Context, tenantID string, q roster.UserPageQuery) ([]*roster.User, error) {
	if q.Search == "" {
		us, err := page(ctx, db, nil, userPageQuery, []any{tenantID, q.After, q.Limit}, scanUser)
		if err != nil {
			return nil, fmt.Errorf("sqlite: user page: %w", err)
		}
		return us, nil
	}
	like := row.Prefix(q.Search)
	emails, err := db.count(ctx, nil, `SELECT count(*) FROM (SELECT 1 FROM user_emails
		WHERE tenant_id = ?1 AND value LIKE ?2 ESCAPE '\' LIMIT ?3)`, []any{tenantID, like, emailScan + 1})
	if err != nil {
		return nil, fmt.Errorf("sqlite: user page: %w", err)
	}
	arm := userSearchSparse
	if emails > emailScan {
		arm = userSearchDense
	}
	us, err := page(ctx, db, nil, fmt.Sprintf(userSearchQuery, arm), []any{tenantID, q.After, q.Limit, q.Search, like}, scanUser)
	if err != nil {
		return nil, fmt.Errorf("sqlite: user page: %w", err)
	}
	return us, nil
}

// groupPageQuery reads the first ?4 groups after the group named ?2 with the
// id ?3, without a search.
const groupPageQuery = `SELECT ` + groupColumns + ` FROM groups r
	WHERE r.tenant_id = ?1 AND (r.display_name, r.id) > (?2, ?3)
	ORDER BY r.display_name, r.id LIMIT ?4`

// groupSearchQuery reads the first ?4 groups after (?2, ?3) whose id or
// externalId is ?5, or whose displayName is like ?6: the union of index
// reads, as userSearchQuery.
const groupSearchQuery = `WITH m(rid) AS (
		SELECT rowid FROM groups WHERE tenant_id = ?1 AND id = ?5 AND (+display_name, +id) > (?2, ?3)
		UNION SELECT rowid FROM groups WHERE tenant_id = ?1 AND external_id = ?5 AND (+display_name, +id) > (?2, ?3)
		UNION SELECT rid FROM (SELECT rowid AS rid FROM groups
			WHERE tenant_id = ?1 AND display_name LIKE ?6 ESCAPE '\' AND (display_name, id) > (?2, ?3)
			ORDER BY display_name, id LIMIT ?4))
	SELECT ` + groupColumns + ` FROM m CROSS JOIN groups r ON r.rowid = m.rid
	ORDER BY r.display_name, r.id LIMIT ?4`

// GroupPage returns at most q.Limit groups of q, without their members,
// ordered by displayName as the column compares (ASCII letters in any case),
// then id.
func (db *DB) GroupPage(ctx context.Context, tenantID string, q roster.GroupPageQuery) ([]*roster.Group, error) {
	query, args := groupPageQuery, []any{tenantID, q.AfterName, q.AfterID, q.Limit}
	if q.Search != "" {
		query, args = groupSearchQuery, append(args, q.Search, row.Prefix(q.Search))
	}
	gs, err := page(ctx, db, nil, query, args, scanGroup)
	if err != nil {
		return nil, fmt.Errorf("sqlite: group page: %w", err)
	}
	return gs, nil
}

// GroupMembers returns at most limit members of the group, with their
// displays, in member id order after the id after.
func (db *DB) GroupMembers(ctx context.Context, tenantID, groupID, after string, limit int) ([]roster.Member, error) {
	ms, err := db.memberPage(ctx, tenantID, groupID, after, limit, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: group members: %w", err)
	}
	return ms, nil
}
