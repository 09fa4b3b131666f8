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
