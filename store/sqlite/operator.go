package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	_, err := db.exec(ctx, `
		INSERT INTO operators (id, email, role, password_hash, created, last_sign_in)
		VALUES (?, ?, ?, ?, ?, ?)`,
		o.ID, o.Email, o.Role, o.PasswordHash, formatTime(o.Created), nullTime(o.LastSignIn))
	switch {
	case isPrimaryKey(err):
		return roster.Errorf(roster.ECONFLICT, "operator id %q is already taken", o.ID)
	case isUnique(err):
		return roster.Errorf(roster.ECONFLICT, "an operator with email %q exists", o.Email)
	case err != nil:
		return fmt.Errorf("sqlite: create operator: %w", err)
	}
	return nil
}

const operatorColumns = `id, email, role, password_hash, created, last_sign_in`

// Operator finds an operator by id. ENOTFOUND.
func (db *DB) Operator(ctx context.Context, id string) (*roster.Operator, error) {
	o, err := scanOperator(db.read.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "operator %q does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: operator: %w", err)
	}
	return o, nil
}

// OperatorByEmail finds an operator by email in any case. ENOTFOUND.
func (db *DB) OperatorByEmail(ctx context.Context, email string) (*roster.Operator, error) {
	o, err := scanOperator(db.read.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators WHERE lower(email) = lower(?)`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no operator has email %q", email)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: operator by email: %w", err)
	}
	return o, nil
}

// Operators lists every operator ordered by email.
func (db *DB) Operators(ctx context.Context) ([]*roster.Operator, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+operatorColumns+` FROM operators ORDER BY lower(email)`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: operators: %w", err)
	}
	defer rows.Close()
	var ops []*roster.Operator
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: operators: %w", err)
		}
		ops = append(ops, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: operators: %w", err)
	}
	return ops, nil
}

func scanOperator(s scanner) (*roster.Operator, error) {
	var (
		o                 roster.Operator
		created, lastSeen sql.NullString
	)
	if err := s.Scan(&o.ID, &o.Email, &o.Role, &o.PasswordHash, &created, &lastSeen); err != nil {
		return nil, err
	}
	var err error
	if o.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if o.LastSignIn, err = parseTime(lastSeen); err != nil {
		return nil, err
	}
	return &o, nil
}

// RemoveOperator deletes the operator id. ENOTFOUND; ECONFLICT when it is
// the last admin. The single writer runs the check and the delete as one.
func (db *DB) RemoveOperator(ctx context.Context, id string) error {
	n, err := db.exec(ctx, `
		DELETE FROM operators WHERE id = ?1
		AND (role <> 'admin' OR EXISTS (SELECT 1 FROM operators WHERE role = 'admin' AND id <> ?1))`, id)
	if err != nil {
		return fmt.Errorf("sqlite: remove operator: %w", err)
	}
	if n == 1 {
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
	n, err := db.exec(ctx, `UPDATE operators SET password_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return fmt.Errorf("sqlite: set operator password: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "operator %q does not exist", id)
	}
	return nil
}

// SetOperatorSignIn records when the operator last signed in. ENOTFOUND.
func (db *DB) SetOperatorSignIn(ctx context.Context, id string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE operators SET last_sign_in = ? WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: set operator sign-in: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "operator %q does not exist", id)
	}
	return nil
}
