package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/outbox"
	"github.com/rosterhq/roster/store/internal/row"
)

// RetiredUser finds a retired user by id, userName (ignoring case) or
// externalId; of several, the one retired last. ENOTFOUND.
func (db *DB) RetiredUser(ctx context.Context, tenantID, ref string) (*roster.User, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users r
		WHERE r.tenant_id = $1 AND r.retired IS NOT NULL
			AND (r.id = $2 OR lower(r.user_name) = lower($2) OR r.external_id = $2)
		ORDER BY r.id = $2 DESC, r.retired DESC LIMIT 1`, tenantID, ref)
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no retired user has id, userName or externalId %q", ref)
	}
	if err != nil {
		return nil, wrap("retired user", err)
	}
	return u, nil
}

// RestoreUser brings the retired user id back with the unique values and
// memberships kept when it was retired, and appends user.restored. ENOTFOUND,
// ECONFLICT naming the live holder of its userName or of a unique value.
func (db *DB) RestoreUser(ctx context.Context, tenantID, id string) error {
	err := db.write(ctx, tenantID, func(t *tx) error {
		return restoreUser(ctx, t, id)
	})
	return wrap("restore user", err)
}

func restoreUser(ctx context.Context, t *tx, id string) error {
	var (
		userName string
		doc      []byte
		keptJSON []byte
	)
	err := t.QueryRow(ctx, `SELECT user_name, doc, kept FROM users WHERE tenant_id = $1 AND id = $2 AND retired IS NOT NULL FOR UPDATE`,
		t.tenantID, id).Scan(&userName, &doc, &keptJSON)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Errorf(roster.ENOTFOUND, "no retired user %q", id)
	}
	if err != nil {
		return err
	}
	kept, err := row.DecodeKept(keptJSON)
	if err != nil {
		return err
	}
	if err := checkRestorable(ctx, t, userName, kept); err != nil {
		return err
	}
	_, err = t.Exec(ctx, `UPDATE users SET retired = NULL, kept = NULL, version = version + 1, modified = $1
		WHERE tenant_id = $2 AND id = $3`, t.now, t.tenantID, id)
	if err != nil {
		return err
	}
	for _, v := range kept.Unique {
		_, err := t.Exec(ctx, `INSERT INTO user_unique (tenant_id, attr, value, user_id) VALUES ($1, $2, $3, $4)`,
			t.tenantID, v.Attr, v.Value, id)
		if err != nil {
			return err
		}
	}
	if kept.AppActive != nil && *kept.AppActive {
		_, err = t.Exec(ctx, `UPDATE users SET app_active = true, entitlements = jsonb_set(entitlements, '{active}', 'true')
			WHERE tenant_id = $1 AND id = $2`, t.tenantID, id)
		if err != nil {
			return err
		}
	}
	if err := rejoinGroups(ctx, t, id, kept.Groups); err != nil {
		return err
	}
	d, err := row.DecodeDoc(doc)
	if err != nil {
		return err
	}
	t.event(outbox.Created(roster.UserRestored, "User", id, d, nil))
	return nil
}

// checkRestorable is ECONFLICT naming the live user who holds userName or one
// of the kept unique values.
func checkRestorable(ctx context.Context, t *tx, userName string, kept row.Kept) error {
	var holder string
	err := t.QueryRow(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND lower(user_name) = lower($2) AND retired IS NULL`,
		t.tenantID, userName).Scan(&holder)
	if err == nil {
		return &roster.Error{Code: roster.ECONFLICT, Attr: "userName", Reason: "username_taken", Detail: fmt.Sprintf(
			"userName %q is taken by live user %s", userName, holder)}
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	for _, v := range kept.Unique {
		err := t.QueryRow(ctx, `SELECT user_id FROM user_unique WHERE tenant_id = $1 AND attr = $2 AND value = $3`,
			t.tenantID, v.Attr, v.Value).Scan(&holder)
		if err == nil {
			return &roster.Error{Code: roster.ECONFLICT, Attr: v.Attr, Detail: fmt.Sprintf(
				"%s %q is taken by live user %s", v.Attr, v.Value, holder)}
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	return nil
}

// rejoinGroups makes the user a member again of those of groups that are
// live, bumping their versions; the deleted ones keep it among their members,
// for their own restore.
func rejoinGroups(ctx context.Context, t *tx, id string, groups []string) error {
	if len(groups) == 0 {
		return nil
	}
	_, err := t.Exec(ctx, `
		WITH joined AS (
			INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
			SELECT tenant_id, id, $2, 'User' FROM groups WHERE tenant_id = $1 AND id = ANY($3)
			ON CONFLICT DO NOTHING
			RETURNING group_id)
		UPDATE groups SET version = version + 1, modified = $4
		WHERE tenant_id = $1 AND id IN (SELECT group_id FROM joined)`,
		t.tenantID, id, groups, t.now)
	if err != nil {
		return err
	}
	return keepInRetiredGroups(ctx, t, groups, "member_users", id)
}

// PurgeUser removes the retired user id for good (its emails, unique values
// and links go with it: ON DELETE CASCADE). ENOTFOUND.
func (db *DB) PurgeUser(ctx context.Context, tenantID, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM users WHERE tenant_id = $1 AND id = $2 AND retired IS NOT NULL`, tenantID, id)
	if err != nil {
		return wrap("purge user", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no retired user %q", id)
	}
	return nil
}

// PurgeRetiredUsers removes for good the users of every tenant retired before
// before, but for those whose delete the guard holds.
func (db *DB) PurgeRetiredUsers(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM users WHERE retired IS NOT NULL AND retired < $1
		AND NOT EXISTS (SELECT 1 FROM removals h WHERE h.tenant_id = users.tenant_id AND h.user_id = users.id AND h.held)`, before)
	if err != nil {
		return 0, wrap("purge retired users", err)
	}
	return tag.RowsAffected(), nil
}
