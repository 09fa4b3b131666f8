package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

const groupColumns = `r.id, r.display_name, r.external_id, r.doc, r.version, r.created, r.modified`

// querier is a *sql.Tx or a *sql.DB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

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
	now := db.stamp()
	var members []roster.Member
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		members, err = createGroup(ctx, tx, tenantID, id, g, now)
		return err
	})
	if err != nil {
		return db.groupWriteError(ctx, tenantID, "create group", id, err)
	}
	g.ID, g.Version, g.Created, g.Modified, g.Members = id, 1, now, now, members
	return nil
}

func createGroup(ctx context.Context, tx *sql.Tx, tenantID, id string, g *roster.Group, now time.Time) ([]roster.Member, error) {
	doc, err := row.EncodeDoc(g.Doc)
	if err != nil {
		return nil, err
	}
	// A name another group holds inserts nothing; the index decides, so
	// that of two concurrent creates of one name only one succeeds.
	key := row.GroupNameKey(g)
	res, err := txExec(ctx, tx, `
		INSERT INTO groups (tenant_id, id, display_name, external_id, doc, version, created, modified, name_key)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
		ON CONFLICT (tenant_id, name_key) DO NOTHING`,
		tenantID, id, g.DisplayName, nullString(g.ExternalID), doc, formatTime(now), formatTime(now), nullString(key))
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, &nameTaken{name: g.DisplayName, key: key}
	}
	members, err := resolveMembers(ctx, tx, tenantID, id, memberIDs(g.Members))
	if err != nil {
		return nil, err
	}
	added, err := addMembers(ctx, tx, tenantID, id, members)
	if err != nil {
		return nil, err
	}
	return members, appendEvent(ctx, tx, tenantID, now, outbox.Created(roster.GroupCreated, "Group", id, g.Doc, added))
}

// nameTaken is the failure of a group write whose name key another group holds.
type nameTaken struct{ name, key string }

func (e *nameTaken) Error() string { return fmt.Sprintf("displayName %q is taken", e.name) }

// groupWriteError maps a failed group write to Roster's codes; a name taken
// becomes ECONFLICT naming the group that holds it.
func (db *DB) groupWriteError(ctx context.Context, tenantID, step, id string, err error) error {
	var nt *nameTaken
	if errors.As(err, &nt) {
		var holder string
		// The holder may be gone already; the conflict stands without its name.
		_ = db.read.QueryRowContext(ctx, `SELECT id FROM groups WHERE tenant_id = ? AND name_key = ?`, tenantID, nt.key).Scan(&holder)
		return row.GroupNameTaken(nt.name, holder)
	}
	return groupWriteError(step, id, err)
}

// groupWriteError maps a failed group write to Roster's codes.
func groupWriteError(step, id string, err error) error {
	switch {
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "id %q is already taken", id)
	case isForeignKey(err):
		return roster.Errorf(roster.ENOTFOUND, "the tenant does not exist")
	}
	var re *roster.Error
	if errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", step, err)
}

func memberIDs(ms []roster.Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// resolveMembers looks the ids up among the tenant's live users and groups (one
// statement), returning them, without duplicates, with their types and displays.
// EINVALID for an id that is neither (a retired user is none), or for the group itself.
func resolveMembers(ctx context.Context, tx *sql.Tx, tenantID, groupID string, ids []string) ([]roster.Member, error) {
	if len(ids) == 0 {
		return []roster.Member{}, nil
	}
	for _, id := range ids {
		if id == groupID {
			return nil, roster.Errorf(roster.EINVALID, "group %q cannot be a member of itself", groupID)
		}
	}
	rows, err := txQuery(ctx, tx, `
		SELECT j.value,
			CASE WHEN u.id IS NOT NULL THEN 'User' WHEN g.id IS NOT NULL THEN 'Group' END,
			coalesce(nullif(u.display_name, ''), u.user_name, g.display_name, '')
		FROM json_each(?1) j
		LEFT JOIN users u ON u.tenant_id = ?2 AND u.id = j.value AND u.retired IS NULL
		LEFT JOIN groups g ON g.tenant_id = ?2 AND g.id = j.value
		ORDER BY j.key`, jsonArray(ids), tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	members := make([]roster.Member, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for rows.Next() {
		var (
			m   roster.Member
			typ sql.NullString
		)
		if err := rows.Scan(&m.ID, &typ, &m.Display); err != nil {
			return nil, err
		}
		if !typ.Valid {
			return nil, &roster.Error{Code: roster.EINVALID, Attr: "members",
				Detail: fmt.Sprintf("member %q is not a user or group of this tenant", m.ID)}
		}
		if seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		m.Type = typ.String
		members = append(members, m)
	}
	return members, rows.Err()
}

// addMembers inserts the members (already present ones are ignored) in one
// statement and returns the ids actually added, in the order given.
func addMembers(ctx context.Context, tx *sql.Tx, tenantID, groupID string, members []roster.Member) ([]string, error) {
	if len(members) == 0 {
		return nil, nil
	}
	pairs := make([][2]string, len(members))
	for i, m := range members {
		pairs[i] = [2]string{m.ID, m.Type}
	}
	b, err := json.Marshal(pairs)
	if err != nil {
		return nil, err
	}
	// "WHERE true" tells the parser that ON CONFLICT is not a join constraint.
	rows, err := txQuery(ctx, tx, `
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT ?, ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true
		ON CONFLICT DO NOTHING
		RETURNING member_id`, tenantID, groupID, string(b))
	if err != nil {
		return nil, err
	}
	return inOrder(rows, memberIDs(members))
}

// removeMembers deletes the ids from the group (absent ones are ignored) and
// returns the ids actually removed, in the order given.
func removeMembers(ctx context.Context, tx *sql.Tx, tenantID, groupID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := txQuery(ctx, tx, `
		DELETE FROM group_members
		WHERE tenant_id = ? AND group_id = ? AND member_id IN (SELECT value FROM json_each(?))
		RETURNING member_id`, tenantID, groupID, jsonArray(ids))
	if err != nil {
		return nil, err
	}
	return inOrder(rows, ids)
}

// removeOtherMembers deletes every member not in keep and returns the removed ids, sorted.
func removeOtherMembers(ctx context.Context, tx *sql.Tx, tenantID, groupID string, keep []string) ([]string, error) {
	rows, err := txQuery(ctx, tx, `
		DELETE FROM group_members
		WHERE tenant_id = ? AND group_id = ? AND member_id NOT IN (SELECT value FROM json_each(?))
		RETURNING member_id`, tenantID, groupID, jsonArray(keep))
	if err != nil {
		return nil, err
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// inOrder reads the ids a RETURNING clause produced (in no defined order) and
// returns them in the order of want.
func inOrder(rows *sql.Rows, want []string) ([]string, error) {
	got, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	return row.InOrder(got, want), nil
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// leaveQuery removes a member (?2, of type ?3) from every group it belongs
// to, returning the groups: a search of group_members_member, whose cost
// follows the member's groups, not their sizes (TestWritePlans).
const leaveQuery = `
	DELETE FROM group_members WHERE tenant_id = ?1 AND member_id = ?2 AND member_type = ?3
	RETURNING group_id`

// leaveGroups removes a deleted user or group from every group it belongs to and
// bumps those groups' versions, since their member lists changed.
func leaveGroups(ctx context.Context, tx *sql.Tx, tenantID, memberID, memberType string, now time.Time) error {
	rows, err := txQuery(ctx, tx, leaveQuery, tenantID, memberID, memberType)
	if err != nil {
		return err
	}
	groups, err := scanStrings(rows)
	if err != nil || len(groups) == 0 {
		return err
	}
	_, err = txExec(ctx, tx, `
		UPDATE groups SET version = version + 1, modified = ?
		WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`,
		formatTime(now), tenantID, jsonArray(groups))
	return err
}

// Group returns the group; members (with their displays) are loaded unless
// withoutMembers. ENOTFOUND.
func (db *DB) Group(ctx context.Context, tenantID, id string, withoutMembers bool) (*roster.Group, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: group: %w", err)
	}
	defer rollback(tx)
	row := txQueryRow(ctx, tx, `SELECT `+groupColumns+` FROM groups r WHERE r.tenant_id = ? AND r.id = ?`, tenantID, id)
	g, err := scanGroup(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, groupMissing(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: group: %w", err)
	}
	if !withoutMembers {
		if err := loadMembers(ctx, tx, tenantID, []*roster.Group{g}); err != nil {
			return nil, fmt.Errorf("sqlite: group: %w", err)
		}
	}
	return g, nil
}

func groupMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "group %q does not exist", id)
}

func scanGroup(s scanner) (*roster.Group, error) {
	var (
		g                 roster.Group
		externalID        sql.NullString
		doc               string
		created, modified sql.NullString
	)
	err := s.Scan(&g.ID, &g.DisplayName, &externalID, &doc, &g.Version, &created, &modified)
	if err != nil {
		return nil, err
	}
	g.ExternalID = externalID.String
	if g.Doc, err = row.DecodeDoc([]byte(doc)); err != nil {
		return nil, err
	}
	if g.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if g.Modified, err = parseTime(modified); err != nil {
		return nil, err
	}
	return &g, nil
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
	rows, err := q.QueryContext(ctx, `
		SELECT m.group_id, m.member_id, m.member_type, coalesce(nullif(u.display_name, ''), u.user_name, g.display_name, '')
		FROM group_members m
		LEFT JOIN users u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
		LEFT JOIN groups g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
		WHERE m.tenant_id = ? AND m.group_id IN (SELECT value FROM json_each(?))
		ORDER BY m.group_id, m.member_id`, tenantID, jsonArray(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			groupID string
			m       roster.Member
		)
		if err := rows.Scan(&groupID, &m.ID, &m.Type, &m.Display); err != nil {
			return err
		}
		if g := byID[groupID]; g != nil {
			g.Members = append(g.Members, m)
		}
	}
	return rows.Err()
}

// lockGroup reads the stored group inside the write transaction. ENOTFOUND.
func lockGroup(ctx context.Context, tx *sql.Tx, tenantID, id string) (*storedResource, error) {
	var (
		s       storedResource
		doc     string
		created sql.NullString
	)
	err := txQueryRow(ctx, tx, `SELECT version, doc, created FROM groups WHERE tenant_id = ? AND id = ?`,
		tenantID, id).Scan(&s.version, &doc, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, groupMissing(id)
	}
	if err != nil {
		return nil, err
	}
	if s.doc, err = row.DecodeDoc([]byte(doc)); err != nil {
		return nil, err
	}
	if s.created, err = parseTime(created); err != nil {
		return nil, err
	}
	return &s, nil
}

// writeGroupDoc overwrites the group's attributes (not its members or version).
// A rename (in more than case, as display_name's NOCASE compares) takes the
// new name's key, or none; a group that keeps its name keeps its key, so that
// groups that shared a name before names were reserved can still be written.
func writeGroupDoc(ctx context.Context, tx *sql.Tx, tenantID string, g *roster.Group) error {
	if g.DisplayName == "" {
		return roster.Errorf(roster.EINVALID, "a group needs a displayName")
	}
	doc, err := row.EncodeDoc(g.Doc)
	if err != nil {
		return err
	}
	key := row.GroupNameKey(g)
	_, err = txExec(ctx, tx, `
		UPDATE groups SET display_name = ?1, external_id = ?2, doc = ?3,
			name_key = CASE WHEN display_name = ?1 THEN name_key ELSE ?4 END
		WHERE tenant_id = ?5 AND id = ?6`,
		g.DisplayName, nullString(g.ExternalID), doc, nullString(key), tenantID, g.ID)
	if isUnique(err) {
		return &nameTaken{name: g.DisplayName, key: key}
	}
	return err
}

// bumpGroup increments the group's version and sets its modification time.
func bumpGroup(ctx context.Context, tx *sql.Tx, tenantID, id string, now time.Time) error {
	_, err := txExec(ctx, tx, `UPDATE groups SET version = version + 1, modified = ? WHERE tenant_id = ? AND id = ?`,
		formatTime(now), tenantID, id)
	return err
}

// ReplaceGroup overwrites the group and sets its member list to g.Members (filling
// their types and displays). It appends group.updated, then group.members_removed
// and group.members_added for the members that left and joined, when any did.
// EPRECONDITION when version is not 0 and stale; ENOTFOUND; EINVALID; ECONFLICT
// when g reserves a new name another group holds.
func (db *DB) ReplaceGroup(ctx context.Context, tenantID string, g *roster.Group, version int64) error {
	now := db.stamp()
	var (
		old     *storedResource
		members []roster.Member
	)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		old, members, err = replaceGroup(ctx, tx, tenantID, g, version, now)
		return err
	})
	if err != nil {
		return db.groupWriteError(ctx, tenantID, "replace group", g.ID, err)
	}
	g.Version, g.Created, g.Modified, g.Members = old.version+1, old.created, now, members
	return nil
}

func replaceGroup(ctx context.Context, tx *sql.Tx, tenantID string, g *roster.Group, version int64, now time.Time) (*storedResource, []roster.Member, error) {
	old, err := lockGroup(ctx, tx, tenantID, g.ID)
	if err != nil {
		return nil, nil, err
	}
	if err := row.CheckVersion("group", g.ID, old.version, version); err != nil {
		return nil, nil, err
	}
	members, err := resolveMembers(ctx, tx, tenantID, g.ID, memberIDs(g.Members))
	if err != nil {
		return nil, nil, err
	}
	if err := writeGroupDoc(ctx, tx, tenantID, g); err != nil {
		return nil, nil, err
	}
	if err := bumpGroup(ctx, tx, tenantID, g.ID, now); err != nil {
		return nil, nil, err
	}
	events := []outbox.Event{outbox.GroupUpdated(g.ID, old.doc, g.Doc)}
	more, err := replaceMembers(ctx, tx, tenantID, g.ID, members, events[0].Payload.Resource)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range append(events, more...) {
		if err := appendEvent(ctx, tx, tenantID, now, e); err != nil {
			return nil, nil, err
		}
	}
	return old, members, nil
}

// replaceMembers makes members the group's whole member list and returns the
// membership events of the change.
func replaceMembers(ctx context.Context, tx *sql.Tx, tenantID, groupID string, members []roster.Member, resource map[string]any) ([]outbox.Event, error) {
	removed, err := removeOtherMembers(ctx, tx, tenantID, groupID, memberIDs(members))
	if err != nil {
		return nil, err
	}
	added, err := addMembers(ctx, tx, tenantID, groupID, members)
	if err != nil {
		return nil, err
	}
	return outbox.Members(groupID, resource, removed, added), nil
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
	now := db.stamp()
	var (
		old   *storedResource
		wrote bool
	)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		old, wrote, err = updateGroup(ctx, tx, tenantID, g, doc, changes, version, now)
		return err
	})
	if err != nil {
		return db.groupWriteError(ctx, tenantID, "update group", g.ID, err)
	}
	g.Version, g.Created, g.Modified = old.version, old.created, now
	if wrote {
		g.Version++
	}
	return nil
}

func updateGroup(ctx context.Context, tx *sql.Tx, tenantID string, g *roster.Group, doc bool, changes []roster.MemberChange, version int64, now time.Time) (*storedResource, bool, error) {
	old, err := lockGroup(ctx, tx, tenantID, g.ID)
	if err != nil {
		return nil, false, err
	}
	if err := row.CheckVersion("group", g.ID, old.version, version); err != nil {
		return nil, false, err
	}
	var events []outbox.Event
	resource := outbox.Resource(g.ID, old.doc)
	if doc {
		if err := writeGroupDoc(ctx, tx, tenantID, g); err != nil {
			return nil, false, err
		}
		e := outbox.GroupUpdated(g.ID, old.doc, g.Doc)
		resource = e.Payload.Resource
		events = append(events, e)
	}
	for _, c := range changes {
		es, err := applyMemberChange(ctx, tx, tenantID, g.ID, c, resource)
		if err != nil {
			return nil, false, err
		}
		events = append(events, es...)
	}
	if len(events) == 0 {
		return old, false, nil
	}
	if err := bumpGroup(ctx, tx, tenantID, g.ID, now); err != nil {
		return nil, false, err
	}
	for _, e := range events {
		if err := appendEvent(ctx, tx, tenantID, now, e); err != nil {
			return nil, false, err
		}
	}
	return old, true, nil
}

// applyMemberChange applies one batch and returns its events.
func applyMemberChange(ctx context.Context, tx *sql.Tx, tenantID, groupID string, c roster.MemberChange, resource map[string]any) ([]outbox.Event, error) {
	switch c.Op {
	case roster.MembersAdd:
		members, err := resolveMembers(ctx, tx, tenantID, groupID, c.IDs)
		if err != nil {
			return nil, err
		}
		added, err := addMembers(ctx, tx, tenantID, groupID, members)
		return outbox.Members(groupID, resource, nil, added), err
	case roster.MembersRemove:
		removed, err := removeMembers(ctx, tx, tenantID, groupID, c.IDs)
		return outbox.Members(groupID, resource, removed, nil), err
	case roster.MembersReplace:
		members, err := resolveMembers(ctx, tx, tenantID, groupID, c.IDs)
		if err != nil {
			return nil, err
		}
		return replaceMembers(ctx, tx, tenantID, groupID, members, resource)
	case roster.MembersRemoveAll:
		removed, err := removeOtherMembers(ctx, tx, tenantID, groupID, nil)
		return outbox.Members(groupID, resource, removed, nil), err
	}
	return nil, roster.Errorf(roster.EINVALID, "unknown member operation %d", c.Op)
}

// DeleteGroup takes the group out of SCIM, restorably: it moves the group to
// retired_groups with its member ids and the ids of the groups it belongs to,
// removes its memberships (as group and as member, bumping the version of each
// group it leaves) and appends group.deleted. ENOTFOUND, EPRECONDITION.
func (db *DB) DeleteGroup(ctx context.Context, tenantID, id string, version int64) error {
	now := db.stamp()
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return deleteGroup(ctx, tx, tenantID, id, version, now)
	})
	if err != nil {
		return groupWriteError("delete group", id, err)
	}
	return nil
}

func deleteGroup(ctx context.Context, tx *sql.Tx, tenantID, id string, version int64, now time.Time) error {
	old, err := lockGroup(ctx, tx, tenantID, id)
	if err != nil {
		return err
	}
	if err := row.CheckVersion("group", id, old.version, version); err != nil {
		return err
	}
	if _, err := txExec(ctx, tx, retireGroupQuery, tenantID, id, formatTime(now)); err != nil {
		return err
	}
	if err := leaveGroups(ctx, tx, tenantID, id, roster.MemberGroup, now); err != nil {
		return err
	}
	// The group's own member rows go with it (ON DELETE CASCADE).
	if _, err := txExec(ctx, tx, `DELETE FROM groups WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
		return err
	}
	return appendEvent(ctx, tx, tenantID, now, outbox.Created(roster.GroupDeleted, "Group", id, old.doc, nil))
}

// Groups returns one page of groups and the total number that match q; members
// are loaded with one statement for the page unless q.WithoutMembers.
func (db *DB) Groups(ctx context.Context, tenantID string, q roster.Query) ([]*roster.Group, int, error) {
	var tx *sql.Tx // members are read in the page's snapshot
	if !q.WithoutMembers {
		var err error
		if tx, err = db.beginRead(ctx); err != nil {
			return nil, 0, fmt.Errorf("sqlite: groups: %w", err)
		}
		defer rollback(tx)
	}
	groups, total, err := list(ctx, db, tx, "groups", groupColumns, &groupMapping, tenantID, q, scanGroup)
	if err == nil && !q.WithoutMembers {
		err = loadMembers(ctx, tx, tenantID, groups)
	}
	if err != nil {
		var re *roster.Error
		if errors.As(err, &re) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("sqlite: groups: %w", err)
	}
	return groups, total, nil
}

// memberQuery reads a page of a group's members with their displays, in id
// order, after the member id ?3 ("" for the first page).
const memberQuery = `
	SELECT m.member_id, m.member_type, coalesce(nullif(u.display_name, ''), u.user_name, g.display_name, '')
	FROM group_members m
	LEFT JOIN users u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
	LEFT JOIN groups g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
	WHERE m.tenant_id = ?1 AND m.group_id = ?2 AND m.member_id > ?3
	ORDER BY m.member_id
	LIMIT ?4`

// EachMember calls fn with each member of the group, reading them a page of
// roster.MemberPage at a time, by keyset on the member id: no read is open
// while fn runs, so a slow fn (a slow client) holds no snapshot.
func (db *DB) EachMember(ctx context.Context, tenantID, groupID string, fn func(roster.Member) error) error {
	return row.EachMember(func(after string, page []roster.Member) ([]roster.Member, error) {
		page, err := db.memberPage(ctx, tenantID, groupID, after, roster.MemberPage, page)
		if err != nil {
			return page, fmt.Errorf("sqlite: members: %w", err)
		}
		return page, nil
	}, fn)
}

// memberPage appends to page at most limit members of the group after the
// member id after.
func (db *DB) memberPage(ctx context.Context, tenantID, groupID, after string, limit int, page []roster.Member) ([]roster.Member, error) {
	rows, err := db.read.QueryContext(ctx, memberQuery, tenantID, groupID, after, limit)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var m roster.Member
		if err := rows.Scan(&m.ID, &m.Type, &m.Display); err != nil {
			return page, err
		}
		page = append(page, m)
	}
	return page, rows.Err()
}
