package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// userColumns reads a user row r with its emails and its direct groups, each
// gathered by a correlated subquery, so that a page of users is one statement.
const userColumns = userRowColumns + `,
	(SELECT coalesce(jsonb_agg(jsonb_build_array(g.id, g.display_name) ORDER BY lower(g.display_name), g.id), '[]')
		FROM group_members m JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
		WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User')`

// userByIDQuery reads a live user: a retired one is gone for SCIM.
const userByIDQuery = `SELECT ` + userColumns + ` FROM users r WHERE r.tenant_id = $1 AND r.id = $2 AND r.retired IS NULL`

// userRowColumns reads a user row r with its emails, but not its groups:
// scanUser reads them with one more column, the groups ('[]' for none).
const userRowColumns = `r.id, r.user_name, r.external_id, r.display_name, r.active, r.doc, r.version, r.created, r.modified,
	r.entitlements, r.retired, r.login_method, r.awaiting_adoption, r.idp_doc,
	(SELECT coalesce(jsonb_agg(jsonb_build_array(e.value, e.type, e.is_primary) ORDER BY e.ord), '[]')
		FROM user_emails e WHERE e.tenant_id = r.tenant_id AND e.user_id = r.id)`

// CreateUser stores u with its entitlements and unique values, filling ID (when
// empty), Version, Created and Modified, and appends a user.created event.
// ECONFLICT if the userName (case-insensitive), a unique value (Attr its key)
// or the id is taken in the tenant; ENOTFOUND if the tenant does not exist.
func (db *DB) CreateUser(ctx context.Context, tenantID string, u *roster.User) error {
	if u.UserName == "" {
		return roster.Errorf(roster.EINVALID, "a user needs a userName")
	}
	id := u.ID
	if id == "" {
		id = row.NewID()
	}
	var now time.Time
	err := db.write(ctx, tenantID, func(t *tx) error {
		now = t.now
		return createUser(ctx, t, id, u)
	})
	if err != nil {
		return userWriteError("create user", id, u, err)
	}
	u.ID, u.Version, u.Created, u.Modified = id, 1, now, now
	u.LoginMethod = cmp.Or(u.LoginMethod, roster.LoginMethodIdP)
	db.noteCreated()
	return nil
}

func createUser(ctx context.Context, t *tx, id string, u *roster.User) error {
	doc, err := row.EncodeDoc(u.Doc)
	if err != nil {
		return err
	}
	ent, err := row.EncodeEntitlements(u.Entitlements)
	if err != nil {
		return err
	}
	idp, err := row.EncodeIdP(u.IdP)
	if err != nil {
		return err
	}
	// The inserts go with the commit (with the unique values' insert first,
	// when there are any, whose answer the write needs).
	t.queue(`
		INSERT INTO users (tenant_id, id, user_name, external_id, display_name, active, doc, version, created, modified,
			app_active, access_role, entitlements, login_method, awaiting_adoption, idp_doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9, $10, $11, $12, $13, $14)`,
		t.tenantID, id, u.UserName, nullString(u.ExternalID), nullString(u.DisplayName), u.Active, doc, t.now,
		u.Entitlements.Active, u.Entitlements.AccessRole, ent, cmp.Or(u.LoginMethod, roster.LoginMethodIdP), u.AwaitingAdoption, idp)
	queueEmails(t, id, u.Emails)
	if err := insertUnique(ctx, t, id, u.Unique); err != nil {
		return err
	}
	t.event(outbox.UserCreated(id, u))
	return nil
}

// userWriteError maps a failed user write to Roster's codes.
func userWriteError(step, id string, u *roster.User, err error) error {
	switch code, constraint := sqlState(err); {
	case code == uniqueViolation && constraint == "users_pkey":
		return roster.Errorf(roster.ECONFLICT, "id %q is already taken", id)
	case code == uniqueViolation:
		return &roster.Error{Code: roster.ECONFLICT, Attr: "userName",
			Detail: fmt.Sprintf("userName %q is already taken", u.UserName)}
	case code == foreignKeyViolation:
		return roster.Errorf(roster.ENOTFOUND, "the tenant does not exist")
	}
	return wrap(step, err)
}

// emailRows reads [value, type, is_primary] arrays as emails.
func emailRows(rows [][3]any) []roster.Email {
	es := make([]roster.Email, len(rows))
	for i, r := range rows {
		es[i].Value, _ = r[0].(string)
		es[i].Type, _ = r[1].(string)
		es[i].Primary, _ = r[2].(bool)
	}
	return es
}

// queueEmails queues the insert of a user's email rows, in one statement.
func queueEmails(t *tx, userID string, emails []roster.Email) {
	var (
		values, types []string
		primary       []bool
	)
	for _, e := range emails {
		if e.Value == "" {
			continue
		}
		values, types, primary = append(values, e.Value), append(types, e.Type), append(primary, e.Primary)
	}
	if len(values) == 0 {
		return
	}
	t.queue(`
		INSERT INTO user_emails (tenant_id, user_id, ord, value, type, is_primary)
		SELECT $1, $2, e.n, e.value, nullif(e.type, ''), e.is_primary
		FROM unnest($3::text[], $4::text[], $5::boolean[]) WITH ORDINALITY AS e(value, type, is_primary, n)`,
		t.tenantID, userID, values, types, primary)
}

// insertUnique writes a user's unique values in one statement, in the order of
// their keys, so that concurrent writes wait for each other in one order. A
// value another user holds is not written (a concurrent writer of it is waited
// for), and fails the write with ECONFLICT naming its key.
func insertUnique(ctx context.Context, t *tx, userID string, unique map[string]string) error {
	attrs, values := row.UniqueValues(unique)
	if len(attrs) == 0 {
		return nil
	}
	var inserted []string
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO user_unique (tenant_id, attr, value, user_id)
		SELECT $1, k.attr, k.value, $2 FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS k(attr, value, n)
		ORDER BY k.n
		ON CONFLICT DO NOTHING
		RETURNING attr`, t.tenantID, userID, attrs, values).Query(func(rows pgx.Rows) error {
		var err error
		inserted, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	return row.UniqueTaken(attrs, values, inserted)
}

// UserDoc is User: PostgreSQL keeps the document as jsonb, whose text is not
// the text the SCIM server writes, so the text is nil and the user whole.
func (db *DB) UserDoc(ctx context.Context, tenantID, id string) (*roster.User, []byte, error) {
	u, err := db.User(ctx, tenantID, id)
	return u, nil, err
}

// UserDocs is Users, with nil texts (see UserDoc).
func (db *DB) UserDocs(ctx context.Context, tenantID string, q roster.Query) ([]*roster.User, [][]byte, int, error) {
	users, total, err := db.Users(ctx, tenantID, q)
	return users, make([][]byte, len(users)), total, err
}

// User returns the live user with the given id, with its emails and direct
// groups. ENOTFOUND if there is none, or if it is retired.
func (db *DB) User(ctx context.Context, tenantID, id string) (*roster.User, error) {
	rows, _ := db.pool.Query(ctx, userByIDQuery, tenantID, id)
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, userMissing(id)
	}
	if err != nil {
		return nil, wrap("user", err)
	}
	return u, nil
}

func userMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "user %q does not exist", id)
}

func scanUser(cr pgx.CollectableRow) (*roster.User, error) {
	var (
		u                        roster.User
		externalID, displayName  *string
		doc, ent, emails, groups []byte
		idp                      []byte
		retired                  *time.Time
	)
	err := cr.Scan(&u.ID, &u.UserName, &externalID, &displayName, &u.Active, &doc, &u.Version, &u.Created, &u.Modified,
		&ent, &retired, &u.LoginMethod, &u.AwaitingAdoption, &idp, &emails, &groups)
	if err != nil {
		return nil, err
	}
	if u.IdP, err = row.DecodeIdP(idp); err != nil {
		return nil, err
	}
	u.Retired = fromNull(retired)
	if externalID != nil {
		u.ExternalID = *externalID
	}
	if displayName != nil {
		u.DisplayName = *displayName
	}
	u.Created, u.Modified = u.Created.UTC(), u.Modified.UTC()
	if u.Doc, err = row.DecodeDoc(doc); err != nil {
		return nil, err
	}
	if u.Entitlements, err = row.DecodeEntitlements(ent); err != nil {
		return nil, err
	}
	if u.Emails, err = decodeEmails(emails); err != nil {
		return nil, err
	}
	if u.Groups, err = row.GroupRefs(groups); err != nil {
		return nil, err
	}
	return &u, nil
}

// decodeEmails reads the [[value, type, is_primary], ...] array of userColumns.
func decodeEmails(b []byte) ([]roster.Email, error) {
	var rows [][3]any
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("bad emails %q: %w", b, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	es := make([]roster.Email, len(rows))
	for i, r := range rows {
		es[i].Value, _ = r[0].(string)
		es[i].Type, _ = r[1].(string)
		es[i].Primary, _ = r[2].(bool)
	}
	return es, nil
}

// storedResource is what a write needs to know of the row it changes.
type storedResource struct {
	version     int64
	active      bool
	created     time.Time
	doc         map[string]any
	loginMethod string // users only
	awaiting    bool   // users only: awaiting_adoption
}

// lockedUser is the stored user as queueLockUser read it.
type lockedUser struct {
	storedResource
	found bool
	raw   []byte // the document, decoded by check
	ent   []byte // the entitlements (JSON)
}

// queueLockUser queues on b the read of the stored live user, which locks
// its row until the commit; the statements queued after it run once it holds
// the lock, each with a snapshot taken after. A user that is absent or
// retired is no error here (an error would also drop the prepared
// statements of the whole batch): check reports it.
func queueLockUser(b *pgx.Batch, t *tx, id string, l *lockedUser) {
	b.Queue(`SELECT version, active, doc, created, login_method, awaiting_adoption, entitlements FROM users
		WHERE tenant_id = $1 AND id = $2 AND retired IS NULL FOR UPDATE`, t.tenantID, id).
		QueryRow(func(r pgx.Row) error {
			err := r.Scan(&l.version, &l.active, &l.raw, &l.created, &l.loginMethod, &l.awaiting, &l.ent)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			l.found = err == nil
			return err
		})
}

// check returns the user l read. ENOTFOUND when there was none (also for a
// retired user); EPRECONDITION when version is not 0 and is not its version.
func (l *lockedUser) check(id string, version int64) (*storedResource, error) {
	if !l.found {
		return nil, userMissing(id)
	}
	if err := row.CheckVersion("user", id, l.version, version); err != nil {
		return nil, err
	}
	var err error
	l.created = l.created.UTC()
	l.doc, err = row.DecodeDoc(l.raw)
	return &l.storedResource, err
}

// ReplaceUser overwrites the user u.ID with u, its entitlements and its unique
// values, ends its sessions when u is inactive (SCIM or entitlements), and
// appends user.updated, or user.deactivated / user.reactivated when active
// changes. EPRECONDITION when version is not 0 and stale; ENOTFOUND (also
// for a retired user); ECONFLICT when the userName or a unique value is taken.
func (db *DB) ReplaceUser(ctx context.Context, tenantID string, u *roster.User, version int64) error {
	_, err := db.ReplaceUserGuarded(ctx, tenantID, u, version, roster.DeprovisionGuard{})
	return err
}

// ReplaceUserGuarded is ReplaceUser with a write that sets active false
// counted by g and, past its limit, held: its event waits (see guard).
//
// The user's lock and read, its update, the read of its stored emails and
// unique values and, for a deactivation, what the guard reads go to the
// server in one round trip, with BEGIN; the events and COMMIT in a second
// (with the emails' rewrite, when they changed), and a change of unique
// values takes one more.
func (db *DB) ReplaceUserGuarded(ctx context.Context, tenantID string, u *roster.User, version int64, g roster.DeprovisionGuard) (bool, error) {
	if u.UserName == "" {
		return false, roster.Errorf(roster.EINVALID, "a user needs a userName")
	}
	var (
		old  *storedResource
		now  time.Time
		held bool
	)
	err := db.write(ctx, tenantID, func(t *tx) error {
		now, held = t.now, false
		var (
			l lockedUser
			c guardCounts
		)
		b := &pgx.Batch{}
		queueLockUser(b, t, u.ID, &l)
		stored, err := queueReplaceUser(b, t, u, version)
		if err != nil {
			return err
		}
		if !u.Active {
			// Read whether or not the user was active: the answer comes
			// in the same round trip, and a guard not needed only took
			// the tenant's guard lock until this commit.
			queueGuard(b, t, g, &c)
		}
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if old, err = l.check(u.ID, version); err != nil {
			return err
		}
		e, err := replaceUser(ctx, t, u, old, stored)
		if err != nil {
			return err
		}
		if !old.active || u.Active {
			t.event(e)
			return nil
		}
		held, err = guard(t, removal{user: u.ID, kind: roster.HeldDeactivate, ent: l.ent}, g, e, &c)
		return err
	})
	if err != nil {
		return false, userWriteError("replace user", u.ID, u, err)
	}
	u.Version, u.Created, u.Modified = old.version+1, old.created, now
	return held, nil
}

// storedValues are a user's emails and unique values as stored before a
// write, read by queueReplaceUser.
type storedValues struct {
	emails [][3]any
	unique map[string]string
}

// queueReplaceUser queues on b, after the user's lock, the update of the user
// to u (a no-op when it is absent or not at version: the write is then rolled
// back), the read of its stored emails and unique values, and the end of its
// sessions when u is inactive.
func queueReplaceUser(b *pgx.Batch, t *tx, u *roster.User, version int64) (*storedValues, error) {
	doc, err := row.EncodeDoc(u.Doc)
	if err != nil {
		return nil, err
	}
	ent, err := row.EncodeEntitlements(u.Entitlements)
	if err != nil {
		return nil, err
	}
	idp, err := row.EncodeIdP(u.IdP)
	if err != nil {
		return nil, err
	}
	b.Queue(`
		UPDATE users SET user_name = $1, external_id = $2, display_name = $3, active = $4, doc = $5,
			app_active = $6, access_role = $7, entitlements = $8, login_method = coalesce(nullif($9, ''), login_method),
			awaiting_adoption = $13, idp_doc = $14, version = version + 1, modified = $10
		WHERE tenant_id = $11 AND id = $12 AND retired IS NULL AND ($15::bigint = 0 OR version = $15)
		RETURNING login_method`,
		u.UserName, nullString(u.ExternalID), nullString(u.DisplayName), u.Active, doc,
		u.Entitlements.Active, u.Entitlements.AccessRole, ent, u.LoginMethod, t.now, t.tenantID, u.ID,
		u.AwaitingAdoption, idp, version).
		QueryRow(func(r pgx.Row) error {
			if err := r.Scan(&u.LoginMethod); !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			return nil
		})
	// Emails and unique values are rewritten only when they changed: most
	// updates leave them alone.
	s := &storedValues{}
	b.Queue(`SELECT
		coalesce((SELECT json_agg(json_build_array(value, coalesce(type, ''), is_primary) ORDER BY ord)
			FROM user_emails WHERE tenant_id = $1 AND user_id = $2), '[]'),
		coalesce((SELECT json_object_agg(attr, value) FROM user_unique WHERE tenant_id = $1 AND user_id = $2), '{}')`,
		t.tenantID, u.ID).QueryRow(func(r pgx.Row) error { return r.Scan(&s.emails, &s.unique) })
	if !u.Active || !u.Entitlements.Active {
		queueEndUserSessions(b, t, u.ID)
	}
	return s, nil
}

// replaceUser rewrites the emails and unique values of u that differ from
// those stored, once queueReplaceUser's statements have run, and returns the
// event of the change, for the caller to append. The emails go with the
// commit; unique values take a round trip, as a taken one fails the write.
func replaceUser(ctx context.Context, t *tx, u *roster.User, old *storedResource, stored *storedValues) (outbox.Event, error) {
	var none outbox.Event
	if !row.SameEmails(emailRows(stored.emails), u.Emails) {
		t.queue(`DELETE FROM user_emails WHERE tenant_id = $1 AND user_id = $2`, t.tenantID, u.ID)
		queueEmails(t, u.ID, u.Emails)
	}
	if !row.SameUnique(stored.unique, u.Unique) {
		// The user's own values are freed first, so that it keeps those it still holds.
		t.queue(`DELETE FROM user_unique WHERE tenant_id = $1 AND user_id = $2`, t.tenantID, u.ID)
		if err := insertUnique(ctx, t, u.ID, u.Unique); err != nil {
			return none, err
		}
	}
	return outbox.UserWritten(u.ID, old.active, old.doc, old.loginMethod, u).Adopting(old.awaiting && !u.AwaitingAdoption), nil
}

// DeleteUser retires the user restorably: as RetireUser, and it removes its
// identity links; the event is user.deleted without "retired". ENOTFOUND (also
// for a retired user), EPRECONDITION.
func (db *DB) DeleteUser(ctx context.Context, tenantID, id string, version int64) error {
	_, err := db.DeleteUserGuarded(ctx, tenantID, id, version, false, roster.DeprovisionGuard{})
	return err
}

// RetireUser keeps the user as deactivated: it sets Retired and
// Entitlements.Active false, keeps its memberships and unique values aside
// (users.kept, for RestoreUser) and removes them (bumping the version of each
// group it leaves), ends its sessions, bumps its version and appends
// user.deleted with "retired": true. Its document and emails stay.
// ENOTFOUND (also for a retired user), EPRECONDITION.
func (db *DB) RetireUser(ctx context.Context, tenantID, id string, version int64) error {
	_, err := db.DeleteUserGuarded(ctx, tenantID, id, version, true, roster.DeprovisionGuard{})
	return err
}

// keepQuery sets aside in users.kept what removing the user $2 takes from it,
// for RestoreUser: whether it was active in the app, its groups and its unique
// values. Its groups are a search of group_members_member (TestWritePlans).
const keepQuery = `
	UPDATE users SET kept = jsonb_build_object(
		'app_active', app_active,
		'groups', (SELECT coalesce(jsonb_agg(group_id), '[]') FROM group_members
			WHERE tenant_id = $1 AND member_id = $2 AND member_type = 'User'),
		'unique', (SELECT coalesce(jsonb_agg(jsonb_build_object('attr', attr, 'value', value)), '[]') FROM user_unique
			WHERE tenant_id = $1 AND user_id = $2))
	WHERE tenant_id = $1 AND id = $2`

// DeleteUserGuarded takes the user out of SCIM as DeleteUser, or RetireUser
// when retire, the removal counted by g and, past its limit, held: its event
// waits (see guard).
//
// The user's lock and read, the removal's statements and what the guard
// reads go to the server in one round trip, with BEGIN, and the removal's
// row, the events and COMMIT in a second.
func (db *DB) DeleteUserGuarded(ctx context.Context, tenantID, id string, version int64, retire bool, g roster.DeprovisionGuard) (bool, error) {
	var held bool
	err := db.write(ctx, tenantID, func(t *tx) error {
		var (
			l lockedUser
			c guardCounts
		)
		b := &pgx.Batch{}
		queueLockUser(b, t, id, &l)
		queueRemoveUser(b, t, id, retire)
		queueGuard(b, t, g, &c)
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		old, err := l.check(id, version)
		if err != nil {
			return err
		}
		e := outbox.Created(roster.UserDeleted, "User", id, old.doc, nil)
		if retire {
			e = outbox.UserRetired(id, old.doc)
		}
		held, err = guard(t, removal{user: id, kind: roster.HeldDelete}, g, e, &c)
		return err
	})
	step := "delete user"
	if retire {
		step = "retire user"
	}
	return held, userWriteError(step, id, &roster.User{}, err)
}

// queueRemoveUser queues on b, after the user's lock, the statements that
// take the user out of SCIM: deleted, or retired by the policy when retire.
// When the user is absent or not at the version wanted, they run and the
// write is rolled back.
func queueRemoveUser(b *pgx.Batch, t *tx, id string, retire bool) {
	b.Queue(keepQuery, t.tenantID, id)
	b.Queue(leaveQuery, t.tenantID, id, roster.MemberUser, t.now)
	queueEndUserSessions(b, t, id)
	b.Queue(`DELETE FROM user_unique WHERE tenant_id = $1 AND user_id = $2`, t.tenantID, id)
	b.Queue(`
		UPDATE users SET retired = $1, app_active = false, entitlements = jsonb_set(entitlements, '{active}', 'false'),
			version = version + 1, modified = $1
		WHERE tenant_id = $2 AND id = $3`, t.now, t.tenantID, id)
	if !retire {
		b.Queue(`DELETE FROM identity_links WHERE tenant_id = $1 AND user_id = $2`, t.tenantID, id)
	}
}

// Users returns one page of users and the total number that match q; retired
// users are left out unless q.Retired.
func (db *DB) Users(ctx context.Context, tenantID string, q roster.Query) ([]*roster.User, int, error) {
	var users []*roster.User
	total, err := db.list(ctx, "users", userColumns, &userMapping, tenantID, q, func(rows pgx.Rows) error {
		var err error
		users, err = pgx.CollectRows(rows, scanUser)
		return err
	}, nil)
	if err != nil {
		return nil, 0, wrap("users", err)
	}
	return users, total, nil
}
