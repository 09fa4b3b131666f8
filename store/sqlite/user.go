package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// userColumns reads a user row r with its emails and its direct groups, each
// gathered by a correlated subquery, so that a page of users is one statement.
const userColumns = userRowColumns + `, ` + userGroupsColumn

// userGroupsColumn reads the direct groups of a user row r as a JSON array of
// [id, displayName] (row.GroupRefs), ordered by displayName.
const userGroupsColumn = `(SELECT json_group_array(json_array(x.id, x.display_name)) FROM (
		SELECT g.id, g.display_name FROM group_members m
		JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
		WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User'
		ORDER BY g.display_name, g.id) x)`

// userRowColumns reads a user row r with its emails, but not its groups:
// scanUser reads them with one more column, the groups ('[]' for none).
const userRowColumns = `r.id, r.user_name, r.external_id, r.display_name, r.active, r.doc, r.version, r.created, r.modified,
	r.entitlements, r.retired, r.login_method, r.awaiting_adoption, r.idp_doc,
	(SELECT json_group_array(json_array(e.value, e.type, e.is_primary))
		FROM user_emails e WHERE e.tenant_id = r.tenant_id AND e.user_id = r.id)`

// userByIDQuery reads a live user: a retired one is gone for SCIM.
const userByIDQuery = `SELECT ` + userColumns + ` FROM users r WHERE r.tenant_id = ? AND r.id = ? AND r.retired IS NULL`

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
	now := db.stamp()
	enc, err := encodeUser(u)
	if err != nil {
		return err
	}
	event, err := outbox.UserCreated(id, u).Row()
	if err != nil {
		return err
	}
	err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return createUser(ctx, tx, tenantID, id, u, enc, event, now)
	})
	if err != nil {
		return userWriteError("create user", id, u, err)
	}
	u.ID, u.Version, u.Created, u.Modified = id, 1, now, now
	u.LoginMethod = cmp.Or(u.LoginMethod, roster.LoginMethodIdP)
	return nil
}

// encodedUser is a user's JSON columns and rows, encoded before its write
// reaches the writer: the writer's transaction is serial, JSON work is not.
type encodedUser struct {
	doc, ent string
	idp      *string // the idp_doc column: nil for NULL
	// emails is the [[value, type, primary], ...] insertEmails reads; "" for none.
	emails string
	unique encodedUnique
}

// encodeUser encodes u's columns and rows for a write.
func encodeUser(u *roster.User) (*encodedUser, error) {
	var e encodedUser
	var err error
	if e.doc, err = row.EncodeDoc(u.Doc); err != nil {
		return nil, err
	}
	if e.ent, err = row.EncodeEntitlements(u.Entitlements); err != nil {
		return nil, err
	}
	if e.idp, err = row.EncodeIdP(u.IdP); err != nil {
		return nil, err
	}
	if e.emails, err = encodeEmails(u.Emails); err != nil {
		return nil, err
	}
	if e.unique, err = encodeUnique(u.Unique); err != nil {
		return nil, err
	}
	return &e, nil
}

func createUser(ctx context.Context, tx *sql.Tx, tenantID, id string, u *roster.User, enc *encodedUser, event outbox.Row, now time.Time) error {
	_, err := txExec(ctx, tx, `
		INSERT INTO users (tenant_id, id, user_name, external_id, display_name, active, doc, version, created, modified,
			app_active, access_role, entitlements, login_method, awaiting_adoption, idp_doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tenantID, id, u.UserName, nullString(u.ExternalID), nullString(u.DisplayName), u.Active, enc.doc,
		formatTime(now), formatTime(now), u.Entitlements.Active, u.Entitlements.AccessRole, enc.ent, cmp.Or(u.LoginMethod, roster.LoginMethodIdP),
		u.AwaitingAdoption, enc.idp)
	if err != nil {
		return err
	}
	if err := insertEmails(ctx, tx, tenantID, id, enc.emails); err != nil {
		return err
	}
	if err := insertUnique(ctx, tx, tenantID, id, enc.unique); err != nil {
		return err
	}
	return appendEventRow(ctx, tx, tenantID, now, event)
}

// userWriteError maps a failed user write to Roster's codes.
func userWriteError(step, id string, u *roster.User, err error) error {
	switch {
	case isPrimaryKey(err):
		return roster.Errorf(roster.ECONFLICT, "id %q is already taken", id)
	case isUnique(err):
		return &roster.Error{Code: roster.ECONFLICT, Attr: "userName",
			Detail: fmt.Sprintf("userName %q is already taken", u.UserName)}
	case isForeignKey(err):
		return roster.Errorf(roster.ENOTFOUND, "the tenant does not exist")
	}
	var re *roster.Error
	if errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", step, err)
}

// encodeEmails renders a user's emails as the rows insertEmails writes;
// "" when there are none.
func encodeEmails(emails []roster.Email) (string, error) {
	rows := make([][3]any, 0, len(emails))
	for _, e := range emails {
		if e.Value == "" {
			continue
		}
		rows = append(rows, [3]any{e.Value, nullString(e.Type), e.Primary})
	}
	if len(rows) == 0 {
		return "", nil
	}
	b, err := json.Marshal(rows)
	return string(b), err
}

// insertEmails writes a user's email rows, encoded by encodeEmails, in one statement.
func insertEmails(ctx context.Context, tx *sql.Tx, tenantID, userID, emails string) error {
	if emails == "" {
		return nil
	}
	_, err := txExec(ctx, tx, `
		INSERT INTO user_emails (tenant_id, user_id, value, type, is_primary)
		SELECT ?, ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
		FROM json_each(?)`, tenantID, userID, emails)
	return err
}

// encodedUnique is a user's unique values as insertUnique writes them.
type encodedUnique struct {
	attrs, values []string
	pairs         string // [[attr, value], ...]
}

// encodeUnique renders a user's unique values for insertUnique.
func encodeUnique(unique map[string]string) (encodedUnique, error) {
	attrs, values := row.UniqueValues(unique)
	if len(attrs) == 0 {
		return encodedUnique{}, nil
	}
	pairs := make([][2]string, len(attrs))
	for i := range attrs {
		pairs[i] = [2]string{attrs[i], values[i]}
	}
	b, err := json.Marshal(pairs)
	return encodedUnique{attrs: attrs, values: values, pairs: string(b)}, err
}

// insertUnique writes a user's unique values in one statement. A value another
// user holds is not written, and fails the write with ECONFLICT naming its key.
func insertUnique(ctx context.Context, tx *sql.Tx, tenantID, userID string, u encodedUnique) error {
	if len(u.attrs) == 0 {
		return nil
	}
	// "WHERE true" tells the parser that ON CONFLICT is not a join constraint.
	rows, err := txQuery(ctx, tx, `
		INSERT INTO user_unique (tenant_id, attr, value, user_id)
		SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ? FROM json_each(?) WHERE true
		ON CONFLICT DO NOTHING
		RETURNING attr`, tenantID, userID, u.pairs)
	if err != nil {
		return err
	}
	inserted, err := scanStrings(rows)
	if err != nil {
		return err
	}
	return row.UniqueTaken(u.attrs, u.values, inserted)
}

// User returns the live user with the given id, with its emails and direct
// groups. ENOTFOUND if there is none, or if it is retired.
func (db *DB) User(ctx context.Context, tenantID, id string) (*roster.User, error) {
	u, err := scanUser(db.userByID.QueryRowContext(ctx, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userMissing(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: user: %w", err)
	}
	return u, nil
}

// userDocColumns read a user row r as UserDoc and UserDocs return it: the
// stored document as it is, and the columns a response adds to it.
const userDocColumns = `r.id, r.doc, r.version, r.created, r.modified, r.entitlements, r.login_method, r.idp_doc, ` +
	userGroupsColumn

// userDocQuery reads a live user for UserDoc.
const userDocQuery = `SELECT ` + userDocColumns + ` FROM users r WHERE r.tenant_id = ? AND r.id = ? AND r.retired IS NULL`

// UserDoc returns the live user with the given id and the stored JSON text
// of its document, as row.EncodeDoc wrote it, for a response to write out as
// it is: the user has its id, version, times, entitlements, login method, IdP
// values and groups, and neither Doc nor the columns the document holds.
// ENOTFOUND if there is none, or if it is retired.
func (db *DB) UserDoc(ctx context.Context, tenantID, id string) (*roster.User, []byte, error) {
	u, err := scanUserDoc(db.userDoc.QueryRowContext(ctx, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, userMissing(id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: user: %w", err)
	}
	return u.user, u.doc, nil
}

// UserDocs is Users with each user's document as its stored JSON text, as
// UserDoc returns it: docs[i] is the text of users[i].
func (db *DB) UserDocs(ctx context.Context, tenantID string, q roster.Query) (users []*roster.User, docs [][]byte, total int, err error) {
	found, total, err := list(ctx, db, nil, "users", userDocColumns, &userMapping, tenantID, q, scanUserDoc)
	if err != nil {
		return nil, nil, 0, storeError("users", err)
	}
	users, docs = make([]*roster.User, len(found)), make([][]byte, len(found))
	for i, f := range found {
		users[i], docs[i] = f.user, f.doc
	}
	return users, docs, total, nil
}

// userDoc is a user and the stored text of its document.
type userDoc struct {
	user *roster.User
	doc  []byte
}

func scanUserDoc(s scanner) (userDoc, error) {
	var (
		u                      roster.User
		doc                    []byte
		ent, groups            string
		created, modified, idp sql.NullString
	)
	err := s.Scan(&u.ID, &doc, &u.Version, &created, &modified, &ent, &u.LoginMethod, &idp, &groups)
	if err != nil {
		return userDoc{}, err
	}
	if u.IdP, err = row.DecodeIdP([]byte(idp.String)); err != nil {
		return userDoc{}, err
	}
	if u.Entitlements, err = row.DecodeEntitlements([]byte(ent)); err != nil {
		return userDoc{}, err
	}
	if u.Created, err = parseTime(created); err != nil {
		return userDoc{}, err
	}
	if u.Modified, err = parseTime(modified); err != nil {
		return userDoc{}, err
	}
	if u.Groups, err = row.GroupRefs([]byte(groups)); err != nil {
		return userDoc{}, err
	}
	return userDoc{&u, doc}, nil
}

func userMissing(id string) error {
	return roster.Errorf(roster.ENOTFOUND, "user %q does not exist", id)
}

func scanUser(s scanner) (*roster.User, error) {
	var (
		u                          roster.User
		externalID, displayName    sql.NullString
		doc, ent, emails, groups   string
		created, modified, retired sql.NullString
		idp                        sql.NullString
	)
	err := s.Scan(&u.ID, &u.UserName, &externalID, &displayName, &u.Active, &doc, &u.Version, &created, &modified,
		&ent, &retired, &u.LoginMethod, &u.AwaitingAdoption, &idp, &emails, &groups)
	if err != nil {
		return nil, err
	}
	if u.IdP, err = row.DecodeIdP([]byte(idp.String)); err != nil {
		return nil, err
	}
	u.ExternalID, u.DisplayName = externalID.String, displayName.String
	if u.Doc, err = row.DecodeDoc([]byte(doc)); err != nil {
		return nil, err
	}
	if u.Entitlements, err = row.DecodeEntitlements([]byte(ent)); err != nil {
		return nil, err
	}
	if u.Retired, err = parseTime(retired); err != nil {
		return nil, err
	}
	if u.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if u.Modified, err = parseTime(modified); err != nil {
		return nil, err
	}
	if u.Emails, err = decodeEmails(emails); err != nil {
		return nil, err
	}
	if u.Groups, err = row.GroupRefs([]byte(groups)); err != nil {
		return nil, err
	}
	return &u, nil
}

// decodeEmails reads the [[value, type, is_primary], ...] array of userColumns.
func decodeEmails(s string) ([]roster.Email, error) {
	var rows [][3]any
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("bad emails %q: %w", s, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	es := make([]roster.Email, len(rows))
	for i, r := range rows {
		es[i].Value, _ = r[0].(string)
		es[i].Type, _ = r[1].(string)
		p, _ := r[2].(float64)
		es[i].Primary = p != 0
	}
	return es, nil
}

// storedResource is what a write needs to know of the row it changes.
type storedResource struct {
	version int64
	active  bool
	created time.Time
	doc     map[string]any
}

// lockUser reads the stored live user inside the write transaction. ENOTFOUND,
// also for a retired user.
func lockUser(ctx context.Context, tx *sql.Tx, tenantID, id string) (*storedResource, error) {
	var (
		s       storedResource
		doc     string
		created sql.NullString
	)
	err := txQueryRow(ctx, tx, `SELECT version, active, doc, created FROM users WHERE tenant_id = ? AND id = ? AND retired IS NULL`,
		tenantID, id).Scan(&s.version, &s.active, &doc, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userMissing(id)
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
func (db *DB) ReplaceUserGuarded(ctx context.Context, tenantID string, u *roster.User, version int64, g roster.DeprovisionGuard) (bool, error) {
	if u.UserName == "" {
		return false, roster.Errorf(roster.EINVALID, "a user needs a userName")
	}
	now := db.stamp()
	enc, err := encodeUser(u)
	if err != nil {
		return false, err
	}
	var (
		old  *storedUser
		held bool
	)
	err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var (
			e   outbox.Event
			err error
		)
		if old, e, err = replaceUser(ctx, tx, tenantID, u, enc, version, now); err != nil {
			return err
		}
		if !old.active || u.Active {
			return appendEvent(ctx, tx, tenantID, now, e)
		}
		held, err = guard(ctx, tx, tenantID, removal{user: u.ID, kind: roster.HeldDeactivate, ent: old.ent}, g, e, now)
		return err
	})
	if err != nil {
		return false, userWriteError("replace user", u.ID, u, err)
	}
	u.Version, u.Created, u.Modified = old.version+1, old.created, now
	return held, nil
}

// storedUser is what an update compares its user with: the stored row's
// columns, emails and unique values.
type storedUser struct {
	storedResource
	userName, externalID, displayName string
	appActive                         bool
	accessRole, ent, loginMethod      string
	docText                           string // the doc column as stored
	awaiting                          bool   // awaiting_adoption
	idpText                           sql.NullString
	emails                            []roster.Email
	unique                            map[string]string
}

// lockUserRows reads the stored live user, its emails and unique values inside
// the write transaction, in one statement. ENOTFOUND, also for a retired user.
func lockUserRows(ctx context.Context, tx *sql.Tx, tenantID, id string) (*storedUser, error) {
	var (
		s                       storedUser
		doc, emails, uniqueJS   string
		created                 sql.NullString
		externalID, displayName sql.NullString
	)
	err := txQueryRow(ctx, tx, `SELECT version, active, doc, created,
			user_name, external_id, display_name, app_active, access_role, entitlements, login_method,
			awaiting_adoption, idp_doc,
			(SELECT json_group_array(json_array(e.value, coalesce(e.type, ''), e.is_primary)) FROM
				(SELECT value, type, is_primary FROM user_emails WHERE tenant_id = ?1 AND user_id = ?2 ORDER BY rowid) e),
			(SELECT json_group_object(attr, value) FROM user_unique WHERE tenant_id = ?1 AND user_id = ?2)
		FROM users WHERE tenant_id = ?1 AND id = ?2 AND retired IS NULL`,
		tenantID, id).Scan(&s.version, &s.active, &doc, &created,
		&s.userName, &externalID, &displayName, &s.appActive, &s.accessRole, &s.ent, &s.loginMethod,
		&s.awaiting, &s.idpText, &emails, &uniqueJS)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userMissing(id)
	}
	if err != nil {
		return nil, err
	}
	s.externalID, s.displayName, s.docText = externalID.String, displayName.String, doc
	if s.doc, err = row.DecodeDoc([]byte(doc)); err != nil {
		return nil, err
	}
	if s.created, err = parseTime(created); err != nil {
		return nil, err
	}
	if s.emails, err = decodeEmails(emails); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(uniqueJS), &s.unique); err != nil {
		return nil, fmt.Errorf("bad unique values %q: %w", uniqueJS, err)
	}
	return &s, nil
}

// userUpdate returns the UPDATE of u's row from old and its arguments. It sets
// only the columns whose value changes (and version and modified): SQLite
// rewrites the entries of every index on a column the statement sets, changed
// or not.
func userUpdate(old *storedUser, u *roster.User, enc *encodedUser, now time.Time) (string, []any) {
	var q strings.Builder
	q.WriteString(`UPDATE users SET `)
	args := make([]any, 0, 14)
	set := func(column string, v any) {
		q.WriteString(column)
		q.WriteString(` = ?, `)
		args = append(args, v)
	}
	if u.UserName != old.userName {
		set("user_name", u.UserName)
	}
	if u.ExternalID != old.externalID {
		set("external_id", nullString(u.ExternalID))
	}
	if u.DisplayName != old.displayName {
		set("display_name", nullString(u.DisplayName))
	}
	if u.Active != old.active {
		set("active", u.Active)
	}
	if enc.doc != old.docText {
		set("doc", enc.doc)
	}
	if u.Entitlements.Active != old.appActive {
		set("app_active", u.Entitlements.Active)
	}
	if u.Entitlements.AccessRole != old.accessRole {
		set("access_role", u.Entitlements.AccessRole)
	}
	if enc.ent != old.ent {
		set("entitlements", enc.ent)
	}
	if u.LoginMethod != "" && u.LoginMethod != old.loginMethod {
		set("login_method", u.LoginMethod)
	}
	if u.AwaitingAdoption != old.awaiting {
		set("awaiting_adoption", u.AwaitingAdoption)
	}
	if enc.idp == nil && old.idpText.Valid || enc.idp != nil && (!old.idpText.Valid || *enc.idp != old.idpText.String) {
		set("idp_doc", enc.idp)
	}
	q.WriteString(`version = version + 1, modified = ? WHERE tenant_id = ? AND id = ?`)
	return q.String(), append(args, formatTime(now))
}

// replaceUser writes u over the stored user and returns the stored user as
// it was and the event of the change, for the caller to append.
func replaceUser(ctx context.Context, tx *sql.Tx, tenantID string, u *roster.User, enc *encodedUser, version int64, now time.Time) (*storedUser, outbox.Event, error) {
	var none outbox.Event
	old, err := lockUserRows(ctx, tx, tenantID, u.ID)
	if err != nil {
		return nil, none, err
	}
	if err := row.CheckVersion("user", u.ID, old.version, version); err != nil {
		return nil, none, err
	}
	update, args := userUpdate(old, u, enc, now)
	if _, err := txExec(ctx, tx, update, append(args, tenantID, u.ID)...); err != nil {
		return nil, none, err
	}
	u.LoginMethod = cmp.Or(u.LoginMethod, old.loginMethod)
	// Emails and unique values are rewritten only when they changed: most
	// updates leave them alone, and rows left alone add no page to the commit.
	if !row.SameEmails(old.emails, u.Emails) {
		if _, err := txExec(ctx, tx, `DELETE FROM user_emails WHERE tenant_id = ? AND user_id = ?`, tenantID, u.ID); err != nil {
			return nil, none, err
		}
		if err := insertEmails(ctx, tx, tenantID, u.ID, enc.emails); err != nil {
			return nil, none, err
		}
	}
	if !row.SameUnique(old.unique, u.Unique) {
		// The user's own values are freed first, so that it keeps those it still holds.
		if _, err := txExec(ctx, tx, `DELETE FROM user_unique WHERE tenant_id = ? AND user_id = ?`, tenantID, u.ID); err != nil {
			return nil, none, err
		}
		if err := insertUnique(ctx, tx, tenantID, u.ID, enc.unique); err != nil {
			return nil, none, err
		}
	}
	if !u.Active || !u.Entitlements.Active {
		if err := endUserSessions(ctx, tx, tenantID, u.ID, now); err != nil {
			return nil, none, err
		}
	}
	return old, outbox.UserWritten(u.ID, old.active, old.doc, old.loginMethod, u).Adopting(old.awaiting && !u.AwaitingAdoption), nil
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

// DeleteUserGuarded takes the user out of SCIM as DeleteUser, or RetireUser
// when retire, the removal counted by g and, past its limit, held: its event
// waits (see guard).
func (db *DB) DeleteUserGuarded(ctx context.Context, tenantID, id string, version int64, retire bool, g roster.DeprovisionGuard) (bool, error) {
	now := db.stamp()
	var held bool
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		e, err := removeUser(ctx, tx, tenantID, id, version, now, retire)
		if err != nil {
			return err
		}
		held, err = guard(ctx, tx, tenantID, removal{user: id, kind: roster.HeldDelete}, g, e, now)
		return err
	})
	if err != nil {
		step := "delete user"
		if retire {
			step = "retire user"
		}
		return false, userWriteError(step, id, &roster.User{}, err)
	}
	return held, nil
}

// keepQuery sets aside in users.kept what removing the user ?2 takes from it,
// for RestoreUser: whether it was active in the app, its groups and its unique
// values. Its groups are a search of group_members_member (TestWritePlans).
const keepQuery = `
	UPDATE users SET kept = json_object(
		'app_active', json(CASE WHEN app_active THEN 'true' ELSE 'false' END),
		'groups', json((SELECT json_group_array(group_id) FROM group_members
			WHERE tenant_id = ?1 AND member_id = ?2 AND member_type = 'User')),
		'unique', json((SELECT json_group_array(json_object('attr', attr, 'value', value)) FROM user_unique
			WHERE tenant_id = ?1 AND user_id = ?2)))
	WHERE tenant_id = ?1 AND id = ?2`

// removeUser takes the user out of SCIM: deleted, or retired by the policy
// when retire. It returns the event of the removal, for the caller to append.
func removeUser(ctx context.Context, tx *sql.Tx, tenantID, id string, version int64, now time.Time, retire bool) (outbox.Event, error) {
	var none outbox.Event
	old, err := lockUser(ctx, tx, tenantID, id)
	if err != nil {
		return none, err
	}
	if err := row.CheckVersion("user", id, old.version, version); err != nil {
		return none, err
	}
	if _, err := txExec(ctx, tx, keepQuery, tenantID, id); err != nil {
		return none, err
	}
	if err := leaveGroups(ctx, tx, tenantID, id, roster.MemberUser, now); err != nil {
		return none, err
	}
	if err := endUserSessions(ctx, tx, tenantID, id, now); err != nil {
		return none, err
	}
	if _, err := txExec(ctx, tx, `DELETE FROM user_unique WHERE tenant_id = ? AND user_id = ?`, tenantID, id); err != nil {
		return none, err
	}
	_, err = txExec(ctx, tx, `
		UPDATE users SET retired = ?1, app_active = 0, entitlements = json_set(entitlements, '$.active', json('false')),
			version = version + 1, modified = ?1
		WHERE tenant_id = ?2 AND id = ?3`, formatTime(now), tenantID, id)
	if err != nil {
		return none, err
	}
	if retire {
		return outbox.UserRetired(id, old.doc), nil
	}
	if _, err := txExec(ctx, tx, `DELETE FROM identity_links WHERE tenant_id = ? AND user_id = ?`, tenantID, id); err != nil {
		return none, err
	}
	return outbox.Created(roster.UserDeleted, "User", id, old.doc, nil), nil
}

// Users returns one page of users and the total number that match q; retired
// users are left out unless q.Retired.
func (db *DB) Users(ctx context.Context, tenantID string, q roster.Query) ([]*roster.User, int, error) {
	users, total, err := list(ctx, db, nil, "users", userColumns, &userMapping, tenantID, q, scanUser)
	if err != nil {
		return nil, 0, storeError("users", err)
	}
	return users, total, nil
}
