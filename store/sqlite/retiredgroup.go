package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// retireGroupQuery copies the group ?2 into retired_groups, deleted at ?3,
// with what its delete takes from it in kept: its members' ids, by type, and
// the ids of the groups it is a member of (a search of group_members_member).
// A group deleted before under the same id gives way.
const retireGroupQuery = `
	INSERT INTO retired_groups (tenant_id, id, display_name, external_id, name_key, doc, version, created, modified, retired, kept)
	SELECT tenant_id, id, display_name, external_id, name_key, doc, version, created, modified, ?3, json_object(
		'member_users', json((SELECT json_group_array(member_id) FROM group_members
			WHERE tenant_id = ?1 AND group_id = ?2 AND member_type = 'User')),
		'member_groups', json((SELECT json_group_array(member_id) FROM group_members
			WHERE tenant_id = ?1 AND group_id = ?2 AND member_type = 'Group')),
		'groups', json((SELECT json_group_array(group_id) FROM group_members
			WHERE tenant_id = ?1 AND member_id = ?2 AND member_type = 'Group')))
	FROM groups WHERE tenant_id = ?1 AND id = ?2
	ON CONFLICT (tenant_id, id) DO UPDATE SET display_name = excluded.display_name, external_id = excluded.external_id,
		name_key = excluded.name_key, doc = excluded.doc, version = excluded.version, created = excluded.created,
		modified = excluded.modified, retired = excluded.retired, kept = excluded.kept`

const retiredGroupColumns = `r.id, r.display_name, r.external_id, r.doc, r.version, r.created, r.modified, r.retired, r.kept`

// RetiredGroup finds a deleted group by id, displayName (ignoring case) or
// externalId; of several, the one deleted last. ENOTFOUND.
func (db *DB) RetiredGroup(ctx context.Context, tenantID, ref string) (*roster.Group, error) {
	g, err := scanRetiredGroup(db.read.QueryRowContext(ctx, `SELECT `+retiredGroupColumns+` FROM retired_groups r
		WHERE r.tenant_id = ?1 AND (r.id = ?2 OR r.display_name = ?2 OR r.external_id = ?2)
		ORDER BY r.id = ?2 DESC, r.retired DESC LIMIT 1`, tenantID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no deleted group has id, displayName or externalId %q", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: retired group: %w", err)
	}
	return g, nil
}

func scanRetiredGroup(s scanner) (*roster.Group, error) {
	var (
		g                          roster.Group
		externalID                 sql.NullString
		doc, kept                  string
		created, modified, retired sql.NullString
	)
	err := s.Scan(&g.ID, &g.DisplayName, &externalID, &doc, &g.Version, &created, &modified, &retired, &kept)
	if err != nil {
		return nil, err
	}
	g.ExternalID = externalID.String
	if g.Doc, err = row.DecodeDoc([]byte(doc)); err != nil {
		return nil, err
	}
	if err := parseTimes([]*time.Time{&g.Created, &g.Modified, &g.Retired}, created, modified, retired); err != nil {
		return nil, err
	}
	k, err := row.DecodeGroupKept([]byte(kept))
	if err != nil {
		return nil, err
	}
	g.Members = k.Members()
	return &g, nil
}

// RestoreGroup brings the deleted group id back with the memberships kept
// when it was deleted, and appends group.restored. ENOTFOUND, ECONFLICT
// naming the live group that holds its displayName or its id.
func (db *DB) RestoreGroup(ctx context.Context, tenantID, id string) error {
	now := db.stamp()
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return restoreGroup(ctx, tx, tenantID, id, now)
	})
	if err != nil {
		return groupWriteError("restore group", id, err)
	}
	return nil
}

func restoreGroup(ctx context.Context, tx *sql.Tx, tenantID, id string, now time.Time) error {
	var name, doc, kept string
	err := txQueryRow(ctx, tx, `SELECT display_name, doc, kept FROM retired_groups WHERE tenant_id = ? AND id = ?`,
		tenantID, id).Scan(&name, &doc, &kept)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Errorf(roster.ENOTFOUND, "no deleted group %q", id)
	}
	if err != nil {
		return err
	}
	k, err := row.DecodeGroupKept([]byte(kept))
	if err != nil {
		return err
	}
	var holder string
	err = txQueryRow(ctx, tx, `SELECT id FROM groups WHERE tenant_id = ?1 AND (id = ?2 OR display_name = ?3 OR name_key = ?4)
		ORDER BY id = ?2 DESC LIMIT 1`, tenantID, id, name, strings.ToLower(name)).Scan(&holder)
	if err == nil {
		return row.RestoreTaken(id, name, holder)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = txExec(ctx, tx, `
		INSERT INTO groups (tenant_id, id, display_name, external_id, doc, version, created, modified, name_key)
		SELECT tenant_id, id, display_name, external_id, doc, version + 1, created, ?3, name_key
		FROM retired_groups WHERE tenant_id = ?1 AND id = ?2`, tenantID, id, formatTime(now))
	if err != nil {
		return err
	}
	if _, err := txExec(ctx, tx, `DELETE FROM retired_groups WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
		return err
	}
	added, err := rejoinMembers(ctx, tx, tenantID, id, k)
	if err != nil {
		return err
	}
	if err := rejoinParents(ctx, tx, tenantID, id, k.Groups, now); err != nil {
		return err
	}
	d, err := row.DecodeDoc([]byte(doc))
	if err != nil {
		return err
	}
	return appendEvent(ctx, tx, tenantID, now, outbox.Created(roster.GroupRestored, "Group", id, d, added))
}

// rejoinMembers makes the kept members that are live users and groups members
// of the restored group id again, and returns their ids in the order kept. The
// deleted users and groups among them keep id among the groups they will
// rejoin on their own restore.
func rejoinMembers(ctx context.Context, tx *sql.Tx, tenantID, id string, k row.GroupKept) ([]string, error) {
	rows, err := txQuery(ctx, tx, `
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT ?1, ?2, m.id, m.type FROM (
			SELECT u.id, 'User' AS type FROM users u
			WHERE u.tenant_id = ?1 AND u.id IN (SELECT value FROM json_each(?3)) AND u.retired IS NULL
			UNION ALL
			SELECT g.id, 'Group' FROM groups g
			WHERE g.tenant_id = ?1 AND g.id IN (SELECT value FROM json_each(?4)) AND g.id <> ?2) m
		WHERE true
		ON CONFLICT DO NOTHING
		RETURNING member_id`, tenantID, id, jsonArray(k.MemberUsers), jsonArray(k.MemberGroups))
	if err != nil {
		return nil, err
	}
	added, err := inOrder(rows, append(append([]string{}, k.MemberUsers...), k.MemberGroups...))
	if err != nil {
		return nil, err
	}
	_, err = txExec(ctx, tx, `
		UPDATE users SET kept = json_insert(coalesce(kept, json_object('groups', json_array())), '$.groups[#]', ?2)
		WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?3)) AND retired IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM json_each(users.kept, '$.groups') WHERE value = ?2)`,
		tenantID, id, jsonArray(k.MemberUsers))
	if err != nil {
		return nil, err
	}
	return added, keepInRetiredGroups(ctx, tx, tenantID, k.MemberGroups, "groups", id)
}

// rejoinParents makes the restored group id a member again of those of
// groups that are live, bumping their versions; the deleted ones keep it
// among their members, for their own restore.
func rejoinParents(ctx context.Context, tx *sql.Tx, tenantID, id string, groups []string, now time.Time) error {
	if len(groups) == 0 {
		return nil
	}
	rows, err := txQuery(ctx, tx, `
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT tenant_id, id, ?2, 'Group' FROM groups
		WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?3)) AND id <> ?2
		ON CONFLICT DO NOTHING
		RETURNING group_id`, tenantID, id, jsonArray(groups))
	if err != nil {
		return err
	}
	joined, err := scanStrings(rows)
	if err != nil {
		return err
	}
	if len(joined) > 0 {
		_, err = txExec(ctx, tx, `
			UPDATE groups SET version = version + 1, modified = ?
			WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`,
			formatTime(now), tenantID, jsonArray(joined))
		if err != nil {
			return err
		}
	}
	return keepInRetiredGroups(ctx, tx, tenantID, groups, "member_groups", id)
}

// keepInRetiredGroups adds memberID to the list key ("member_users",
// "member_groups" or "groups") of the kept memberships of those of groups
// that are deleted, so that their restore brings the membership back.
func keepInRetiredGroups(ctx context.Context, tx *sql.Tx, tenantID string, groups []string, key, memberID string) error {
	if len(groups) == 0 {
		return nil
	}
	_, err := txExec(ctx, tx, `
		UPDATE retired_groups SET kept = json_insert(kept, '$.'||?3||'[#]', ?4)
		WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))
			AND NOT EXISTS (SELECT 1 FROM json_each(retired_groups.kept, '$.'||?3) WHERE value = ?4)`,
		tenantID, jsonArray(groups), key, memberID)
	return err
}

// PurgeGroup removes the deleted group id for good. ENOTFOUND.
func (db *DB) PurgeGroup(ctx context.Context, tenantID, id string) error {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := txExec(ctx, tx, `DELETE FROM retired_groups WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: purge group: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no deleted group %q", id)
	}
	return nil
}

// PurgeRetiredGroups removes for good the groups of every tenant deleted
// before before.
func (db *DB) PurgeRetiredGroups(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := txExec(ctx, tx, `DELETE FROM retired_groups WHERE retired < ?`, formatTime(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge retired groups: %w", err)
	}
	return n, nil
}
