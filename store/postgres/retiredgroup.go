package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// retireGroupQuery copies the group $2 into retired_groups, deleted at $3,
// with what its delete takes from it in kept: its members' ids, by type, and
// the ids of the groups it is a member of (a search of group_members_member).
// A group deleted before under the same id gives way.
const retireGroupQuery = `
	INSERT INTO retired_groups (tenant_id, id, display_name, external_id, name_key, doc, version, created, modified, retired, kept)
	SELECT tenant_id, id, display_name, external_id, name_key, doc, version, created, modified, $3, jsonb_build_object(
		'member_users', coalesce((SELECT jsonb_agg(member_id ORDER BY member_id) FROM group_members
			WHERE tenant_id = $1 AND group_id = $2 AND member_type = 'User'), '[]'::jsonb),
		'member_groups', coalesce((SELECT jsonb_agg(member_id ORDER BY member_id) FROM group_members
			WHERE tenant_id = $1 AND group_id = $2 AND member_type = 'Group'), '[]'::jsonb),
		'groups', coalesce((SELECT jsonb_agg(group_id ORDER BY group_id) FROM group_members
			WHERE tenant_id = $1 AND member_id = $2 AND member_type = 'Group'), '[]'::jsonb))
	FROM groups WHERE tenant_id = $1 AND id = $2
	ON CONFLICT (tenant_id, id) DO UPDATE SET display_name = EXCLUDED.display_name, external_id = EXCLUDED.external_id,
		name_key = EXCLUDED.name_key, doc = EXCLUDED.doc, version = EXCLUDED.version, created = EXCLUDED.created,
		modified = EXCLUDED.modified, retired = EXCLUDED.retired, kept = EXCLUDED.kept`

const retiredGroupColumns = `r.id, r.display_name, r.external_id, r.doc, r.version, r.created, r.modified, r.retired, r.kept`

// RetiredGroup finds a deleted group by id, displayName (ignoring case) or
// externalId; of several, the one deleted last. ENOTFOUND.
func (db *DB) RetiredGroup(ctx context.Context, tenantID, ref string) (*roster.Group, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+retiredGroupColumns+` FROM retired_groups r
		WHERE r.tenant_id = $1 AND (r.id = $2 OR lower(r.display_name) = lower($2) OR r.external_id = $2)
		ORDER BY r.id = $2 DESC, r.retired DESC LIMIT 1`, tenantID, ref)
	g, err := pgx.CollectExactlyOneRow(rows, scanRetiredGroup)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no deleted group has id, displayName or externalId %q", ref)
	}
	if err != nil {
		return nil, wrap("retired group", err)
	}
	return g, nil
}

func scanRetiredGroup(cr pgx.CollectableRow) (*roster.Group, error) {
	var (
		g          roster.Group
		externalID *string
		doc, kept  []byte
	)
	err := cr.Scan(&g.ID, &g.DisplayName, &externalID, &doc, &g.Version, &g.Created, &g.Modified, &g.Retired, &kept)
	if err != nil {
		return nil, err
	}
	if externalID != nil {
		g.ExternalID = *externalID
	}
	g.Created, g.Modified, g.Retired = g.Created.UTC(), g.Modified.UTC(), g.Retired.UTC()
	if g.Doc, err = row.DecodeDoc(doc); err != nil {
		return nil, err
	}
	k, err := row.DecodeGroupKept(kept)
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
	err := db.write(ctx, tenantID, func(t *tx) error {
		return restoreGroup(ctx, t, id)
	})
	return groupWriteError("restore group", id, err)
}

func restoreGroup(ctx context.Context, t *tx, id string) error {
	var (
		name      string
		doc, kept []byte
	)
	err := t.QueryRow(ctx, `SELECT display_name, doc, kept FROM retired_groups WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
		t.tenantID, id).Scan(&name, &doc, &kept)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Errorf(roster.ENOTFOUND, "no deleted group %q", id)
	}
	if err != nil {
		return err
	}
	k, err := row.DecodeGroupKept(kept)
	if err != nil {
		return err
	}
	var holder string
	err = t.QueryRow(ctx, `SELECT id FROM groups
		WHERE tenant_id = $1 AND (id = $2 OR lower(display_name) = lower($3) OR name_key = $4)
		ORDER BY id = $2 DESC LIMIT 1`, t.tenantID, id, name, strings.ToLower(name)).Scan(&holder)
	if err == nil {
		return row.RestoreTaken(id, name, holder)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	_, err = t.Exec(ctx, `
		INSERT INTO groups (tenant_id, id, display_name, external_id, doc, version, created, modified, name_key)
		SELECT tenant_id, id, display_name, external_id, doc, version + 1, created, $3, name_key
		FROM retired_groups WHERE tenant_id = $1 AND id = $2`, t.tenantID, id, t.now)
	if err != nil {
		return err
	}
	if _, err := t.Exec(ctx, `DELETE FROM retired_groups WHERE tenant_id = $1 AND id = $2`, t.tenantID, id); err != nil {
		return err
	}
	added, err := rejoinMembers(ctx, t, id, k)
	if err != nil {
		return err
	}
	if err := rejoinParents(ctx, t, id, k.Groups); err != nil {
		return err
	}
	d, err := row.DecodeDoc(doc)
	if err != nil {
		return err
	}
	t.event(outbox.Created(roster.GroupRestored, "Group", id, d, added))
	return nil
}

// rejoinMembers makes the kept members that are live users and groups members
// of the restored group id again, and returns their ids in the order kept. The
// rows found are key-share locked, as resolveMembers does, so that a member
// cannot be deleted meanwhile. The deleted users and groups among them keep id
// among the groups they will rejoin on their own restore.
func rejoinMembers(ctx context.Context, t *tx, id string, k row.GroupKept) ([]string, error) {
	rows, err := t.Query(ctx, `
		WITH live_users AS (
			SELECT id FROM users WHERE tenant_id = $1 AND id = ANY($3) AND retired IS NULL FOR KEY SHARE),
		live_groups AS (
			SELECT id FROM groups WHERE tenant_id = $1 AND id = ANY($4) AND id <> $2 FOR KEY SHARE)
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT $1, $2, id, 'User' FROM live_users
		UNION ALL
		SELECT $1, $2, id, 'Group' FROM live_groups
		ON CONFLICT DO NOTHING
		RETURNING member_id`, t.tenantID, id, k.MemberUsers, k.MemberGroups)
	if err != nil {
		return nil, err
	}
	added, err := returnedInOrder(rows, append(append([]string{}, k.MemberUsers...), k.MemberGroups...))
	if err != nil {
		return nil, err
	}
	_, err = t.Exec(ctx, `
		UPDATE users SET kept = jsonb_set(coalesce(kept, '{}'::jsonb), '{groups}',
			coalesce(kept->'groups', '[]'::jsonb) || to_jsonb($2::text))
		WHERE tenant_id = $1 AND id = ANY($3) AND retired IS NOT NULL
			AND NOT coalesce(kept->'groups', '[]'::jsonb) ? $2::text`,
		t.tenantID, id, k.MemberUsers)
	if err != nil {
		return nil, err
	}
	return added, keepInRetiredGroups(ctx, t, k.MemberGroups, "groups", id)
}

// rejoinParents makes the restored group id a member again of those of
// groups that are live, bumping their versions; the deleted ones keep it
// among their members, for their own restore.
func rejoinParents(ctx context.Context, t *tx, id string, groups []string) error {
	if len(groups) == 0 {
		return nil
	}
	_, err := t.Exec(ctx, `
		WITH joined AS (
			INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
			SELECT tenant_id, id, $2, 'Group' FROM groups WHERE tenant_id = $1 AND id = ANY($3) AND id <> $2
			ON CONFLICT DO NOTHING
			RETURNING group_id)
		UPDATE groups SET version = version + 1, modified = $4
		WHERE tenant_id = $1 AND id IN (SELECT group_id FROM joined)`,
		t.tenantID, id, groups, t.now)
	if err != nil {
		return err
	}
	return keepInRetiredGroups(ctx, t, groups, "member_groups", id)
}

// keepInRetiredGroups adds memberID to the list key ("member_users",
// "member_groups" or "groups") of the kept memberships of those of groups
// that are deleted, so that their restore brings the membership back.
func keepInRetiredGroups(ctx context.Context, t *tx, groups []string, key, memberID string) error {
	if len(groups) == 0 {
		return nil
	}
	_, err := t.Exec(ctx, `
		UPDATE retired_groups SET kept = jsonb_set(kept, ARRAY[$3::text], coalesce(kept->$3::text, '[]'::jsonb) || to_jsonb($4::text))
		WHERE tenant_id = $1 AND id = ANY($2) AND NOT coalesce(kept->$3::text, '[]'::jsonb) ? $4::text`,
		t.tenantID, groups, key, memberID)
	return err
}

// PurgeGroup removes the deleted group id for good. ENOTFOUND.
func (db *DB) PurgeGroup(ctx context.Context, tenantID, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM retired_groups WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return wrap("purge group", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no deleted group %q", id)
	}
	return nil
}

// PurgeRetiredGroups removes for good the groups of every tenant deleted
// before before.
func (db *DB) PurgeRetiredGroups(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM retired_groups WHERE retired < $1`, before)
	if err != nil {
		return 0, wrap("purge retired groups", err)
	}
	return tag.RowsAffected(), nil
}
