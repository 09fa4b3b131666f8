package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// RetiredUser finds a retired user by id, userName (ignoring case) or
// externalId; of several, the one retired last. ENOTFOUND.
func (db *DB) RetiredUser(ctx context.Context, tenantID, ref string) (*roster.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users r
		WHERE r.tenant_id = ?1 AND r.retired IS NOT NULL AND (r.id = ?2 OR r.user_name = ?2 OR r.external_id = ?2)
		ORDER BY r.id = ?2 DESC, r.retired DESC LIMIT 1`, tenantID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no retired user has id, userName or externalId %q", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: retired user: %w", err)
	}
	return u, nil
}

// RestoreUser brings the retired user id back with the unique values and
// memberships kept when it was retired, and appends user.restored. ENOTFOUND,
// ECONFLICT naming the live holder of its userName or of a unique value.
func (db *DB) RestoreUser(ctx context.Context, tenantID, id string) error {
	now := db.stamp()
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return restoreUser(ctx, tx, tenantID, id, now)
	})
	if err != nil {
		var re *roster.Error
		if errors.As(err, &re) {
			return err
		}
		return fmt.Errorf("sqlite: restore user: %w", err)
	}
	return nil
}

func restoreUser(ctx context.Context, tx *sql.Tx, tenantID, id string, now time.Time) error {
	var (
		userName, doc string
		keptText      sql.NullString
	)
	err := txQueryRow(ctx, tx, `SELECT user_name, doc, kept FROM users WHERE tenant_id = ? AND id = ? AND retired IS NOT NULL`,
		tenantID, id).Scan(&userName, &doc, &keptText)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Errorf(roster.ENOTFOUND, "no retired user %q", id)
	}
	if err != nil {
		return err
	}
	kept, err := row.DecodeKept([]byte(keptText.String))
	if err != nil {
		return err
	}
	var holder string
	err = txQueryRow(ctx, tx, `SELECT id FROM users WHERE tenant_id = ? AND user_name = ? AND retired IS NULL`,
		tenantID, userName).Scan(&holder)
	if err == nil {
		return &roster.Error{Code: roster.ECONFLICT, Attr: "userName", Reason: "username_taken", Detail: fmt.Sprintf(
			"userName %q is taken by live user %s", userName, holder)}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	for _, v := range kept.Unique {
		err := txQueryRow(ctx, tx, `SELECT user_id FROM user_unique WHERE tenant_id = ? AND attr = ? AND value = ?`,
			tenantID, v.Attr, v.Value).Scan(&holder)
		if err == nil {
			return &roster.Error{Code: roster.ECONFLICT, Attr: v.Attr, Detail: fmt.Sprintf(
				"%s %q is taken by live user %s", v.Attr, v.Value, holder)}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = txExec(ctx, tx, `INSERT INTO user_unique (tenant_id, attr, value, user_id) VALUES (?, ?, ?, ?)`,
			tenantID, v.Attr, v.Value, id)
		if err != nil {
			return err
		}
	}
	_, err = txExec(ctx, tx, `UPDATE users SET retired = NULL, kept = NULL, version = version + 1, modified = ?
		WHERE tenant_id = ? AND id = ?`, formatTime(now), tenantID, id)
	if err != nil {
		return err
	}
	if kept.AppActive != nil && *kept.AppActive {
		_, err = txExec(ctx, tx, `UPDATE users SET app_active = 1, entitlements = json_set(entitlements, '$.active', json('true'))
			WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err != nil {
			return err
		}
	}
	if err := rejoinGroups(ctx, tx, tenantID, id, kept.Groups, now); err != nil {
		return err
	}
	d, err := row.DecodeDoc([]byte(doc))
	if err != nil {
		return err
	}
	return appendEvent(ctx, tx, tenantID, now, outbox.Created(roster.UserRestored, "User", id, d, nil))
}

// rejoinGroups makes the user a member again of those of groups that are
// live, bumping their versions; the deleted ones keep it among their members,
// for their own restore.
func rejoinGroups(ctx context.Context, tx *sql.Tx, tenantID, id string, groups []string, now time.Time) error {
	if len(groups) == 0 {
		return nil
	}
	_, err := txExec(ctx, tx, `
		INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
		SELECT tenant_id, id, ?, 'User' FROM groups WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))
		ON CONFLICT DO NOTHING`, id, tenantID, jsonArray(groups))
	if err != nil {
		return err
	}
	_, err = txExec(ctx, tx, `
		UPDATE groups SET version = version + 1, modified = ?
		WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`,
		formatTime(now), tenantID, jsonArray(groups))
	if err != nil {
		return err
	}
	return keepInRetiredGroups(ctx, tx, tenantID, groups, "member_users", id)
}

// PurgeUser removes the retired user id for good (its emails, unique values
// and links go with it: ON DELETE CASCADE). ENOTFOUND.
func (db *DB) PurgeUser(ctx context.Context, tenantID, id string) error {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := txExec(ctx, tx, `DELETE FROM users WHERE tenant_id = ? AND id = ? AND retired IS NOT NULL`, tenantID, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: purge user: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no retired user %q", id)
	}
	return nil
}

// PurgeRetiredUsers removes for good the users of every tenant retired before
// before, but for those whose delete the guard holds.
func (db *DB) PurgeRetiredUsers(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := txExec(ctx, tx, `DELETE FROM users WHERE retired IS NOT NULL AND retired < ?
			AND NOT EXISTS (SELECT 1 FROM removals h WHERE h.tenant_id = users.tenant_id AND h.user_id = users.id AND h.held)`,
			formatTime(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge retired users: %w", err)
	}
	return n, nil
}
