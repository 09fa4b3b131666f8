package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/internal/row"
)

// CreateOperator stores o, filling ID (when empty) and Created. EINVALID
// without an email, a role or a hash; ECONFLICT when the email is taken in any case.
func (db *DB) CreateOperator(ctx context.Context, o *roster.Operator) error {
	if o.Email == "" || o.Role == "" || o.PasswordHash == "" {
		return roster.Errorf(roster.EINVALID, "an operator needs an email, a role and a password hash")
	}
	if o.ID == "" {
		o.ID = row.NewID()
	}
	o.Created = db.stamp()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO operators (id, email, role, password_hash, created, last_sign_in)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		o.ID, o.Email, o.Role, o.PasswordHash, o.Created, nullTime(o.LastSignIn))
	switch code, constraint := sqlState(err); {
	case code == uniqueViolation && constraint == "operators_pkey":
		return roster.Errorf(roster.ECONFLICT, "operator id %q is already taken", o.ID)
	case code == uniqueViolation:
		return roster.Errorf(roster.ECONFLICT, "an operator with email %q exists", o.Email)
	case err != nil:
		return wrap("create operator", err)
	}
	return nil
}

const operatorColumns = `id, email, role, password_hash, created, last_sign_in`

// Operator finds an operator by id. ENOTFOUND.
func (db *DB) Operator(ctx context.Context, id string) (*roster.Operator, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+operatorColumns+` FROM operators WHERE id = $1`, id)
	o, err := pgx.CollectExactlyOneRow(rows, scanOperator)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "operator %q does not exist", id)
	}
	if err != nil {
		return nil, wrap("operator", err)
	}
	return o, nil
}

// OperatorByEmail finds an operator by email in any case. ENOTFOUND.
func (db *DB) OperatorByEmail(ctx context.Context, email string) (*roster.Operator, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+operatorColumns+` FROM operators WHERE lower(email) = lower($1)`, text(email))
	o, err := pgx.CollectExactlyOneRow(rows, scanOperator)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no operator has email %q", email)
	}
	if err != nil {
		return nil, wrap("operator by email", err)
	}
	return o, nil
}

// Operators lists every operator ordered by email.
func (db *DB) Operators(ctx context.Context) ([]*roster.Operator, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+operatorColumns+` FROM operators ORDER BY lower(email)`)
	ops, err := pgx.CollectRows(rows, scanOperator)
	if err != nil {
		return nil, wrap("operators", err)
	}
	return ops, nil
}

func scanOperator(cr pgx.CollectableRow) (*roster.Operator, error) {
	var (
		o          roster.Operator
		lastSignIn *time.Time
	)
	if err := cr.Scan(&o.ID, &o.Email, &o.Role, &o.PasswordHash, &o.Created, &lastSignIn); err != nil {
		return nil, err
	}
	o.Created, o.LastSignIn = o.Created.UTC(), fromNull(lastSignIn)
	return &o, nil
}

// RemoveOperator deletes the operator id. ENOTFOUND; ECONFLICT when it is
// the last admin. The statement locks every admin row first, so that of two
// concurrent removals of the last two admins the second, once the first
// commits, counts one admin and deletes nothing.
func (db *DB) RemoveOperator(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `
		WITH admins AS (SELECT id FROM operators WHERE role = 'admin' FOR UPDATE)
		DELETE FROM operators WHERE id = $1
		AND (role <> 'admin' OR (SELECT count(*) FROM admins WHERE id <> $1) > 0)`, id)
	if err != nil {
		return wrap("remove operator", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	o, err := db.Operator(ctx, id)
	if err != nil {
		return err
	}
	return roster.Errorf(roster.ECONFLICT, "operator %q is the last admin: make another operator admin first", o.Email)
}

// SetOperatorPassword replaces the operator's password hash. ENOTFOUND.
func (db *DB) SetOperatorPassword(ctx context.Context, id, hash string) error {
	if hash == "" {
		return roster.Errorf(roster.EINVALID, "an operator needs a password hash")
	}
	tag, err := db.pool.Exec(ctx, `UPDATE operators SET password_hash = $1 WHERE id = $2`, hash, id)
	if err != nil {
		return wrap("set operator password", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "operator %q does not exist", id)
	}
	return nil
}

// SetOperatorSignIn records when the operator last signed in. ENOTFOUND.
func (db *DB) SetOperatorSignIn(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE operators SET last_sign_in = $1 WHERE id = $2`, at.UTC(), id)
	if err != nil {
		return wrap("set operator sign-in", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "operator %q does not exist", id)
	}
	return nil
}
