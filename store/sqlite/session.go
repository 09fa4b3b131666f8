package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
)

// CreateOperatorSession stores s. ECONFLICT when its ID is taken.
func (db *DB) CreateOperatorSession(ctx context.Context, s *roster.OperatorSession) error {
	_, err := db.exec(ctx, `
		INSERT INTO operator_sessions (id, operator_id, created, last_seen, source)
		VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.OperatorID, formatTime(s.Created), formatTime(s.LastSeen), s.Source)
	switch {
	case isPrimaryKey(err):
		return roster.Errorf(roster.ECONFLICT, "the session id is already taken")
	case err != nil:
		return fmt.Errorf("sqlite: create operator session: %w", err)
	}
	return nil
}

// OperatorSession finds a session by ID. ENOTFOUND.
func (db *DB) OperatorSession(ctx context.Context, id string) (*roster.OperatorSession, error) {
	var (
		s               roster.OperatorSession
		created, seenAt sql.NullString
	)
	err := db.read.QueryRowContext(ctx, `
		SELECT id, operator_id, created, last_seen, source FROM operator_sessions WHERE id = ?`, id).
		Scan(&s.ID, &s.OperatorID, &created, &seenAt, &s.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no such session")
	}
	if err == nil {
		err = parseTimes([]*time.Time{&s.Created, &s.LastSeen}, created, seenAt)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: operator session: %w", err)
	}
	return &s, nil
}

// TouchOperatorSession records that the session was used at at. ENOTFOUND.
func (db *DB) TouchOperatorSession(ctx context.Context, id string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE operator_sessions SET last_seen = ? WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: touch operator session: %w", err)
	}
	if n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no such session")
	}
	return nil
}

// EndOperatorSession deletes the session id; ending it again is no error.
func (db *DB) EndOperatorSession(ctx context.Context, id string) error {
	if _, err := db.exec(ctx, `DELETE FROM operator_sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: end operator session: %w", err)
	}
	return nil
}

// EndOperatorSessions deletes every session of the operator and returns how many.
func (db *DB) EndOperatorSessions(ctx context.Context, operatorID string) (int64, error) {
	n, err := db.exec(ctx, `DELETE FROM operator_sessions WHERE operator_id = ?`, operatorID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: end operator sessions: %w", err)
	}
	return n, nil
}

// PruneOperatorSessions deletes the sessions last seen before idle or
// created before absolute, and returns how many.
func (db *DB) PruneOperatorSessions(ctx context.Context, idle, absolute time.Time) (int64, error) {
	n, err := db.exec(ctx, `DELETE FROM operator_sessions WHERE last_seen < ? OR created < ?`, formatTime(idle), formatTime(absolute))
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune operator sessions: %w", err)
	}
	return n, nil
}
