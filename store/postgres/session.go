package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
)

// CreateOperatorSession stores s. ECONFLICT when its ID is taken.
func (db *DB) CreateOperatorSession(ctx context.Context, s *roster.OperatorSession) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO operator_sessions (id, operator_id, created, last_seen, source)
		VALUES ($1, $2, $3, $4, $5)`,
		s.ID, s.OperatorID, s.Created.UTC(), s.LastSeen.UTC(), s.Source)
	if code, _ := sqlState(err); code == uniqueViolation {
		return roster.Errorf(roster.ECONFLICT, "the session id is already taken")
	}
	return wrap("create operator session", err)
}

// OperatorSession finds a session by ID. ENOTFOUND.
func (db *DB) OperatorSession(ctx context.Context, id string) (*roster.OperatorSession, error) {
	var s roster.OperatorSession
	err := db.pool.QueryRow(ctx, `
		SELECT id, operator_id, created, last_seen, source FROM operator_sessions WHERE id = $1`, id).
		Scan(&s.ID, &s.OperatorID, &s.Created, &s.LastSeen, &s.Source)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no such session")
	}
	if err != nil {
		return nil, wrap("operator session", err)
	}
	s.Created, s.LastSeen = s.Created.UTC(), s.LastSeen.UTC()
	return &s, nil
}

// TouchOperatorSession records that the session was used at at. ENOTFOUND.
func (db *DB) TouchOperatorSession(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE operator_sessions SET last_seen = $1 WHERE id = $2`, at.UTC(), id)
	if err != nil {
		return wrap("touch operator session", err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no such session")
	}
	return nil
}

// EndOperatorSession deletes the session id; ending it again is no error.
func (db *DB) EndOperatorSession(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM operator_sessions WHERE id = $1`, id)
	return wrap("end operator session", err)
}

// EndOperatorSessions deletes every session of the operator and returns how many.
func (db *DB) EndOperatorSessions(ctx context.Context, operatorID string) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM operator_sessions WHERE operator_id = $1`, operatorID)
	if err != nil {
		return 0, wrap("end operator sessions", err)
	}
	return tag.RowsAffected(), nil
}

// PruneOperatorSessions deletes the sessions last seen before idle or
// created before absolute, and returns how many.
func (db *DB) PruneOperatorSessions(ctx context.Context, idle, absolute time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM operator_sessions WHERE last_seen < $1 OR created < $2`, idle.UTC(), absolute.UTC())
	if err != nil {
		return 0, wrap("prune operator sessions", err)
	}
	return tag.RowsAffected(), nil
}
