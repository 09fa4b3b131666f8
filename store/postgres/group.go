package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

const groupColumns = `r.id, r.display_name, r.external_id, r.doc, r.version, r.created, r.modified`

// CreateGroup stores g with g.Members, filling ID (when empty), Version, Created,
// Modified and each member's Type and Display, and appends group.created (whose
// "members" are the member ids). EINVALID if a member is not a user or group of
// the tenant; ECONFLICT if the id is taken, or (Attr "displayName", naming the
// holder) if g reserves its name and another group holds it; ENOTFOUND if the
// tenant does not exist.
func (db *DB) CreateGroup(ctx context.Context, tenantID string, g *roster.Group) error {
	if g.DisplayName == "" {
		return roster.Errorf(roster.EINVALID, "a group needs a displayName")
	}
	id := g.ID
	if id == "" {
		id = row.NewID()
	}
	var (
		members []roster.Member
		now     time.Time
	)
	err := db.write(ctx, tenantID, func(t *tx) error {
		now = t.now
		doc, err := row.EncodeDoc(g.Doc)
		if err != nil {
			return err
		}
		// The unique index groups_name_key refuses a name another group
		// holds, also to a concurrent create.
		_, err = t.Exec(ctx, `
			INSERT INTO groups (tenant_id, id, display_name, external_id, doc, version, created, modified, name_key)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $6, $7)`,
			t.tenantID, id, g.DisplayName, nullString(g.ExternalID), doc, t.now, nullString(row.GroupNameKey(g)))
		if err != nil {
			return err
		}
		if members, err = resolveMembers(ctx, t, id, memberIDs(g.Members)); err != nil {
			return err
		}
		added, err := addMembers(ctx, t, id, members)
		if err != nil {
			return err
		}
		t.event(outbox.Created(roster.GroupCreated, "Group", id, g.Doc, added))
		return nil
	})
	if err != nil {
		return db.groupWriteError(ctx, tenantID, "create group", id, g, err)
	}
	g.ID, g.Version, g.Created, g.Modified, g.Members = id, 1, now, now, members
	return nil
}

// groupWriteError maps a failed write of g to Roster's codes; a name taken
// becomes ECONFLICT naming the group that holds it.
func (db *DB) groupWriteError(ctx context.Context, tenantID, step, id string, g *roster.Group, err error) error {
	if code, constraint := sqlState(err); code != uniqueViolation || constraint != "groups_name_key" {
		return groupWriteError(step, id, err)
	}
	var holder string
	// The holder may be gone already; the conflict stands without its name.
	_ = db.pool.QueryRow(ctx, `SELECT id FROM groups WHERE tenant_id = $1 AND name_key = $2`,
		tenantID, row.GroupNameKey(g)).Scan(&holder)
	return row.GroupNameTaken(g.DisplayName, holder)
}

// groupWriteError maps a failed group write to Roster's codes.
func groupWriteError(step, id string, err error) error {
	switch code, _ := sqlState(err); code {
	case uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "id %q is already taken", id)
	case foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "the tenant does not exist")
	}
	return wrap(step, err)
}

func memberIDs(ms []roster.Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// resolveMembers looks the ids up among the tenant's live users and groups,
// returning them, without duplicates, with their types and displays. The rows
// found are key-share locked until the commit, so that a member cannot be
// deleted or retired (both lock it FOR UPDATE) while it is being added. EINVALID
// for an id that is neither (a retired user is none), or for the group itself.
func resolveMembers(ctx context.Context, t *tx, groupID string, ids []string) ([]roster.Member, error) {
	if len(ids) == 0 {
		return []roster.Member{}, nil
	}
	if slices.Contains(ids, groupID) {
		return nil, roster.Errorf(roster.EINVALID, "group %q cannot be a member of itself", groupID)
	}
	found := make(map[string]roster.Member, len(ids))
	b := &pgx.Batch{}
	b.Queue(`SELECT id, coalesce(nullif(display_name, ''), user_name) FROM users
		WHERE tenant_id = $1 AND id = ANY($2) AND retired IS NULL ORDER BY id FOR KEY SHARE`, t.tenantID, ids).
		Query(collectMembers(found, roster.MemberUser))
	b.Queue(`SELECT id, display_name FROM groups
		WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR KEY SHARE`, t.tenantID, ids).
		Query(collectMembers(found, roster.MemberGroup))
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	members := make([]roster.Member, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		m, ok := found[id]
		if !ok {
			return nil, &roster.Error{Code: roster.EINVALID, Attr: "members",
				Detail: fmt.Sprintf("member %q is not a user or group of this tenant", id)}
		}
		if !seen[id] {
			seen[id] = true
			members = append(members, m)
		}
	}
	return members, nil
}

// collectMembers returns a batch callback that records each (id, display) row as a member of type typ.
func collectMembers(found map[string]roster.Member, typ string) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		var m roster.Member
		_, err := pgx.ForEachRow(rows, []any{&m.ID, &m.Display}, func() error {
			m.Type = typ
			found[m.ID] = m
			return nil
		})
		return err
	}
}

// addMembers inserts the members (already present ones are ignored) in one
// statement and returns the ids actually added, in the order given.
func addMembers(ctx context.Context, t *tx, groupID string, members []roster.Member) ([]string, error) {
	if len(members) == 0 {
		return nil, nil
	}
	ids, types := make([]string, len(members)), make([]string, len(members))
	for i, m := range members {
		ids[i], types[i] = m.ID, m.Type
	}
	rows, _ := t.Query(ctx, `
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT $1, $2, m.id, m.type FROM unnest($3::text[], $4::text[]) AS m(id, type)
		ON CONFLICT DO NOTHING
		RETURNING member_id`, t.tenantID, groupID, ids, types)
	return returnedInOrder(rows, ids)
}

// removeMembers deletes the ids from the group (absent ones are ignored) and
// returns the ids actually removed, in the order given.
func removeMembers(ctx context.Context, t *tx, groupID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, _ := t.Query(ctx, `
		DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3)
		RETURNING member_id`, t.tenantID, groupID, ids)
	return returnedInOrder(rows, ids)
}

// removeOtherMembers deletes every member not in keep and returns the removed ids, sorted.
func removeOtherMembers(ctx context.Context, t *tx, groupID string, keep []string) ([]string, error) {
	if keep == nil {
		keep = []string{}
	}
	rows, _ := t.Query(ctx, `
		DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND NOT (member_id = ANY($3))
		RETURNING member_id`, t.tenantID, groupID, keep)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// leaveQuery removes a member ($2, of type $3) from every group it belongs to
// and bumps those groups' versions: a search of group_members_member, whose
// cost follows the member's groups, not their sizes (TestWritePlans).
const leaveQuery = `
	WITH left_groups AS (
		DELETE FROM group_members WHERE tenant_id = $1 AND member_id = $2 AND member_type = $3
		RETURNING group_id)
	UPDATE groups SET version = version + 1, modified = $4
	WHERE tenant_id = $1 AND id IN (SELECT group_id FROM left_groups)`

// leaveGroups removes a deleted user or group from every group it belongs to and
// bumps those groups' versions, since their member lists changed.
func leaveGroups(ctx context.Context, t *tx, memberID, memberType string) error {
	_, err := t.Exec(ctx, leaveQuery, t.tenantID, memberID, memberType, t.now)
	return err
}

// Group returns the group; members (with their displays) are loaded unless
// withoutMembers. ENOTFOUND.
func (db *DB) Group(ctx context.Context, tenantID, id string, withoutMembers bool) (*roster.Group, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, id)
	g, err := pgx.CollectExactlyOneRow(rows, scanGroup)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, groupMissing(id)
	}
	if err != nil {
		return nil, wrap("group", err)
	}
	if !withoutMembers {
		if err := loadMembers(ctx, db.pool, tenantID, []*roster.Group{g}); err != nil {
			return nil, wrap("group", err)
		}
	}
	return g, nil
}

func groupMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "group %q does not exist", id)
}

func scanGroup(cr pgx.CollectableRow) (*roster.Group, error) {
	var (
		g          roster.Group
		externalID *string
		doc        []byte
	)
	err := cr.Scan(&g.ID, &g.DisplayName, &externalID, &doc, &g.Version, &g.Created, &g.Modified)
	if err != nil {
		return nil, err
	}
	if externalID != nil {
		g.ExternalID = *externalID
	}
	g.Created, g.Modified = g.Created.UTC(), g.Modified.UTC()
	g.Doc, err = row.DecodeDoc(doc)
	return &g, err
}

// querier is a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// loadMembers fills the members of the groups with one statement, each member
// with its display: a user's displayName (else userName) or a group's displayName.
func loadMembers(ctx context.Context, q querier, tenantID string, groups []*roster.Group) error {
	if len(groups) == 0 {
		return nil
	}
	byID := make(map[string]*roster.Group, len(groups))
	ids := make([]string, len(groups))
	for i, g := range groups {
		g.Members = []roster.Member{}
		byID[g.ID] = g
		ids[i] = g.ID
	}
	rows, _ := q.Query(ctx, `
		SELECT m.group_id, m.member_id, m.member_type, coalesce(nullif(u.display_name, ''), u.user_name, g.display_name, '')
		FROM group_members m
		LEFT JOIN users u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
		LEFT JOIN groups g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
		WHERE m.tenant_id = $1 AND m.group_id = ANY($2)
		ORDER BY m.group_id, m.member_id COLLATE "C"`, tenantID, ids)
	var (
		groupID string
		m       roster.Member
	)
	_, err := pgx.ForEachRow(rows, []any{&groupID, &m.ID, &m.Type, &m.Display}, func() error {
		if g := byID[groupID]; g != nil {
			g.Members = append(g.Members, m)
		}
		return nil
	})
	return err
}

// lockGroup reads the stored group inside the write transaction and locks its
// row until the commit. ENOTFOUND.
func lockGroup(ctx context.Context, t *tx, id string) (*storedResource, error) {
	var (
		s   storedResource
		doc []byte
	)
	err := t.QueryRow(ctx, `SELECT version, doc, created FROM groups WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
		t.tenantID, id).Scan(&s.version, &doc, &s.created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, groupMissing(id)
	}
	if err != nil {
		return nil, err
	}
	s.created = s.created.UTC()
	s.doc, err = row.DecodeDoc(doc)
	return &s, err
}

// writeGroupDoc overwrites the group's attributes (not its members or version).
// A rename (in more than case) takes the new name's key, or none; a group that
// keeps its name keeps its key, so that groups that shared a name before names
// were reserved can still be written.
func writeGroupDoc(ctx context.Context, t *tx, g *roster.Group) error {
	if g.DisplayName == "" {
		return roster.Errorf(roster.EINVALID, "a group needs a displayName")
	}
	doc, err := row.EncodeDoc(g.Doc)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `
		UPDATE groups SET display_name = $1, external_id = $2, doc = $3,
			name_key = CASE WHEN lower(display_name) = lower($1) THEN name_key ELSE $4 END
		WHERE tenant_id = $5 AND id = $6`,
		g.DisplayName, nullString(g.ExternalID), doc, nullString(row.GroupNameKey(g)), t.tenantID, g.ID)
	return err
}

// bumpGroup increments the group's version and sets its modification time.
func bumpGroup(ctx context.Context, t *tx, id string) error {
	_, err := t.Exec(ctx, `UPDATE groups SET version = version + 1, modified = $1 WHERE tenant_id = $2 AND id = $3`,
		t.now, t.tenantID, id)
	return err
}

// ReplaceGroup overwrites the group and sets its member list to g.Members (filling
// their types and displays). It appends group.updated, then group.members_removed
// and group.members_added for the members that left and joined, when any did.
// EPRECONDITION when version is not 0 and stale; ENOTFOUND; EINVALID; ECONFLICT
// when g reserves a new name another group holds.
func (db *DB) ReplaceGroup(ctx context.Context, tenantID string, g *roster.Group, version int64) error {
	var (
		old     *storedResource
		members []roster.Member
		now     time.Time
	)
	err := db.write(ctx, tenantID, func(t *tx) error {
		var err error
		now = t.now
		if old, err = lockGroup(ctx, t, g.ID); err != nil {
			return err
		}
		if err := row.CheckVersion("group", g.ID, old.version, version); err != nil {
			return err
		}
		if members, err = resolveMembers(ctx, t, g.ID, memberIDs(g.Members)); err != nil {
			return err
		}
		if err := writeGroupDoc(ctx, t, g); err != nil {
			return err
		}
		if err := bumpGroup(ctx, t, g.ID); err != nil {
			return err
		}
		e := outbox.GroupUpdated(g.ID, old.doc, g.Doc)
		t.event(e)
		return replaceMembers(ctx, t, g.ID, members, e.Payload.Resource)
	})
	if err != nil {
		return db.groupWriteError(ctx, tenantID, "replace group", g.ID, g, err)
	}
	g.Version, g.Created, g.Modified, g.Members = old.version+1, old.created, now, members
	return nil
}

// replaceMembers makes members the group's whole member list and records the
// membership events of the change.
func replaceMembers(ctx context.Context, t *tx, groupID string, members []roster.Member, resource map[string]any) error {
	removed, err := removeOtherMembers(ctx, t, groupID, memberIDs(members))
	if err != nil {
		return err
	}
	added, err := addMembers(ctx, t, groupID, members)
	if err != nil {
		return err
	}
	t.event(outbox.Members(groupID, resource, removed, added)...)
	return nil
}

// UpdateGroup writes g's attributes (when doc is true) and applies the member
// changes in order, in one transaction whose statements follow the size of the
// changes, not of the group. Events: group.updated when doc is true, then one
// group.members_added / group.members_removed per batch that changed anything,
// naming only the ids actually added or removed. The version moves when anything
// was written. g.ID names the group; on return g.Version, Created and Modified are
// the stored ones. EPRECONDITION, ENOTFOUND, EINVALID; ECONFLICT when g reserves
// a new name another group holds.
func (db *DB) UpdateGroup(ctx context.Context, tenantID string, g *roster.Group, doc bool, changes []roster.MemberChange, version int64) error {
	var (
		old   *storedResource
		wrote bool
		now   time.Time
	)
	err := db.write(ctx, tenantID, func(t *tx) error {
		var err error
		now = t.now
		old, wrote, err = updateGroup(ctx, t, g, doc, changes, version)
		return err
	})
	if err != nil {
		return db.groupWriteError(ctx, tenantID, "update group", g.ID, g, err)
	}
	g.Version, g.Created, g.Modified = old.version, old.created, now
	if wrote {
		g.Version++
	}
	return nil
}

func updateGroup(ctx context.Context, t *tx, g *roster.Group, doc bool, changes []roster.MemberChange, version int64) (*storedResource, bool, error) {
	old, err := lockGroup(ctx, t, g.ID)
	if err != nil {
		return nil, false, err
	}
	if err := row.CheckVersion("group", g.ID, old.version, version); err != nil {
		return nil, false, err
	}
	resource := outbox.Resource(g.ID, old.doc)
	if doc {
		if err := writeGroupDoc(ctx, t, g); err != nil {
			return nil, false, err
		}
		e := outbox.GroupUpdated(g.ID, old.doc, g.Doc)
		resource = e.Payload.Resource
		t.event(e)
	}
	for _, c := range changes {
		if err := applyMemberChange(ctx, t, g.ID, c, resource); err != nil {
			return nil, false, err
		}
	}
	if len(t.events) == 0 {
		return old, false, nil
	}
	return old, true, bumpGroup(ctx, t, g.ID)
}

// applyMemberChange applies one batch and records its events.
func applyMemberChange(ctx context.Context, t *tx, groupID string, c roster.MemberChange, resource map[string]any) error {
	var removed, added []string
	switch c.Op {
	case roster.MembersAdd:
		members, err := resolveMembers(ctx, t, groupID, c.IDs)
		if err != nil {
			return err
		}
		if added, err = addMembers(ctx, t, groupID, members); err != nil {
			return err
		}
	case roster.MembersRemove:
		var err error
		if removed, err = removeMembers(ctx, t, groupID, c.IDs); err != nil {
			return err
		}
	case roster.MembersReplace:
		members, err := resolveMembers(ctx, t, groupID, c.IDs)
		if err != nil {
			return err
		}
		return replaceMembers(ctx, t, groupID, members, resource)
	case roster.MembersRemoveAll:
		var err error
		if removed, err = removeOtherMembers(ctx, t, groupID, nil); err != nil {
			return err
		}
	default:
		return roster.Errorf(roster.EINVALID, "unknown member operation %d", c.Op)
	}
	t.event(outbox.Members(groupID, resource, removed, added)...)
	return nil
}

// DeleteGroup takes the group out of SCIM, restorably: it moves the group to
// retired_groups with its member ids and the ids of the groups it belongs to,
// removes its memberships (as group and as member, bumping the version of each
// group it leaves) and appends group.deleted. ENOTFOUND, EPRECONDITION.
func (db *DB) DeleteGroup(ctx context.Context, tenantID, id string, version int64) error {
	err := db.write(ctx, tenantID, func(t *tx) error {
		old, err := lockGroup(ctx, t, id)
		if err != nil {
			return err
		}
		if err := row.CheckVersion("group", id, old.version, version); err != nil {
			return err
		}
		if _, err := t.Exec(ctx, retireGroupQuery, t.tenantID, id, t.now); err != nil {
			return err
		}
		if err := leaveGroups(ctx, t, id, roster.MemberGroup); err != nil {
			return err
		}
		// The group's own member rows go with it (ON DELETE CASCADE).
		if _, err := t.Exec(ctx, `DELETE FROM groups WHERE tenant_id = $1 AND id = $2`, t.tenantID, id); err != nil {
			return err
		}
		t.event(outbox.Created(roster.GroupDeleted, "Group", id, old.doc, nil))
		return nil
	})
	return groupWriteError("delete group", id, err)
}

// Groups returns one page of groups and the total number that match q; members
// are loaded with one statement for the page unless q.WithoutMembers.
func (db *DB) Groups(ctx context.Context, tenantID string, q roster.Query) ([]*roster.Group, int, error) {
	var groups []*roster.Group
	total, err := db.list(ctx, "groups", groupColumns, &groupMapping, tenantID, q, func(rows pgx.Rows) error {
		var err error
		groups, err = pgx.CollectRows(rows, scanGroup)
		return err
	}, func(ctx context.Context, t pgx.Tx) error {
		if q.WithoutMembers {
			return nil
		}
		return loadMembers(ctx, t, tenantID, groups)
	})
	if err != nil {
		return nil, 0, wrap("groups", err)
	}
	return groups, total, nil
}

// returnedInOrder reads the ids a RETURNING clause produced and returns them in the order of want.
func returnedInOrder(rows pgx.Rows, want []string) ([]string, error) {
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	return row.InOrder(got, want), nil
}

// EachMember calls fn with each member of the group, reading them a page of
// roster.MemberPage at a time, by keyset on the member id: no connection is
// held while fn runs, so a slow fn (a slow client) keeps none from the pool.
// The keyset is in the database's collation, so that it is a range of the
// primary key; Roster's member ids are UUIDs, which every collation orders as
// "C" does, the order of Group's Members.
func (db *DB) EachMember(ctx context.Context, tenantID, groupID string, fn func(roster.Member) error) error {
	return row.EachMember(func(after string, page []roster.Member) ([]roster.Member, error) {
		page, err := db.memberPage(ctx, tenantID, groupID, after, roster.MemberPage, page)
		return page, wrap("members", err)
	}, fn)
}

// memberPage appends to page at most limit members of the group after the
// member id after.
func (db *DB) memberPage(ctx context.Context, tenantID, groupID, after string, limit int, page []roster.Member) ([]roster.Member, error) {
	rows, _ := db.pool.Query(ctx, `
		SELECT m.member_id, m.member_type, coalesce(nullif(u.display_name, ''), u.user_name, g.display_name, '')
		FROM group_members m
		LEFT JOIN users u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
		LEFT JOIN groups g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
		WHERE m.tenant_id = $1 AND m.group_id = $2 AND m.member_id > $3
		ORDER BY m.member_id
		LIMIT $4`, tenantID, groupID, after, limit)
	var m roster.Member
	_, err := pgx.ForEachRow(rows, []any{&m.ID, &m.Type, &m.Display}, func() error {
		page = append(page, m)
		return nil
	})
	return page, err
}
