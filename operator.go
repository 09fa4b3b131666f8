package roster

import (
	"context"
	"time"
)

// Roles an operator may have: an admin changes Roster's settings, tenants and
// operators; a viewer only reads them.
const (
	OperatorAdmin  = "admin"
	OperatorViewer = "viewer"
)

// Operator is an account of Roster's own, for the people who run it (support,
// success, on-call), as opposed to the users tenants provision.
type Operator struct {
	ID    string
	Email string // unique among operators, compared without regard to case
	Role  string // OperatorAdmin or OperatorViewer
	// PasswordHash is the argon2id hash of the operator's password in the
	// PHC string format; the password itself is never stored.
	PasswordHash string
	Created      time.Time
	LastSignIn   time.Time // zero: never signed in
}

// OperatorStore keeps the operators.
type OperatorStore interface {
	// CreateOperator stores o, filling ID (when empty) and Created. EINVALID
	// without an email, a role or a hash; ECONFLICT when another operator has
	// the email in any case.
	CreateOperator(ctx context.Context, o *Operator) error
	// Operator finds an operator by id. ENOTFOUND.
	Operator(ctx context.Context, id string) (*Operator, error)
	// OperatorByEmail finds an operator by email in any case. ENOTFOUND.
	OperatorByEmail(ctx context.Context, email string) (*Operator, error)
	// Operators lists every operator ordered by email.
	Operators(ctx context.Context) ([]*Operator, error)
	// RemoveOperator deletes the operator id. ENOTFOUND; ECONFLICT when it is
	// the last admin, checked in the same statement as the delete so that
	// concurrent removals cannot leave Roster without an admin.
	RemoveOperator(ctx context.Context, id string) error
	// SetOperatorPassword replaces the operator's password hash. ENOTFOUND.
	SetOperatorPassword(ctx context.Context, id, hash string) error
	// SetOperatorSignIn records when the operator last signed in. ENOTFOUND.
	SetOperatorSignIn(ctx context.Context, id string, at time.Time) error
}

// OperatorSession is an operator's signed-in session in the console. The
// browser holds a random secret; the store holds only its SHA-256, so that
// a copy of the database signs no one in.
type OperatorSession struct {
	ID         string // hex SHA-256 of the session's secret
	OperatorID string
	Created    time.Time
	LastSeen   time.Time // moved forward as the operator works, at most once a minute
	Source     string    // the client address the session began from
}

// OperatorSessionStore keeps the console's sessions, so that they hold
// across the instances of a server on one database.
type OperatorSessionStore interface {
	// CreateOperatorSession stores s. ECONFLICT when its ID is taken.
	CreateOperatorSession(ctx context.Context, s *OperatorSession) error
	// OperatorSession finds a session by ID. ENOTFOUND.
	OperatorSession(ctx context.Context, id string) (*OperatorSession, error)
	// TouchOperatorSession records that the session was used at at. ENOTFOUND.
	TouchOperatorSession(ctx context.Context, id string, at time.Time) error
	// EndOperatorSession deletes the session id; ending it again is no error.
	EndOperatorSession(ctx context.Context, id string) error
	// EndOperatorSessions deletes every session of the operator and returns how many.
	EndOperatorSessions(ctx context.Context, operatorID string) (int64, error)
	// PruneOperatorSessions deletes the sessions last seen before idle or
	// created before absolute, and returns how many.
	PruneOperatorSessions(ctx context.Context, idle, absolute time.Time) (int64, error)
}
