package admin

import (
	"context"
	"crypto/rand"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/sso"
)

// Bounds of an operator's email and password.
const (
	MaxOperatorEmail    = 254 // bytes, RFC 5321 §4.5.3.1.3
	MinOperatorPassword = 12  // characters
	MaxOperatorPassword = 256 // bytes: argon2id hashes all of it
)

// CheckOperatorEmail returns EINVALID unless email is one plain address
// (local@domain, no display name, no comment) of printable ASCII, at most
// MaxOperatorEmail bytes. ASCII keeps "unique in any case" the same rule in
// both stores.
func CheckOperatorEmail(email string) error {
	if email == "" || len(email) > MaxOperatorEmail {
		return roster.Errorf(roster.EINVALID, "an operator's email has 3 to %d characters", MaxOperatorEmail)
	}
	for _, c := range []byte(email) {
		if c <= ' ' || c >= 0x7f {
			return roster.Errorf(roster.EINVALID, "operator email %q: want a plain address of printable ASCII", email)
		}
	}
	a, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || a.Address != email || at < 1 || !strings.Contains(email[at+1:], ".") {
		return roster.Errorf(roster.EINVALID, "operator email %q: want a plain address, like ada@example.com", email)
	}
	return nil
}

// CheckOperatorRole returns EINVALID unless role is roster.OperatorAdmin or
// roster.OperatorViewer.
func CheckOperatorRole(role string) error {
	if role != roster.OperatorAdmin && role != roster.OperatorViewer {
		return roster.Errorf(roster.EINVALID, "operator role %q: want %s or %s", role, roster.OperatorAdmin, roster.OperatorViewer)
	}
	return nil
}

// CheckOperatorPassword returns EINVALID for a password of fewer than
// MinOperatorPassword characters or more than MaxOperatorPassword bytes.
func CheckOperatorPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinOperatorPassword || len(password) > MaxOperatorPassword {
		return roster.Errorf(roster.EINVALID, "an operator's password has at least %d characters and at most %d bytes", MinOperatorPassword, MaxOperatorPassword)
	}
	return nil
}

// CreateOperator creates the operator email with role and password, kept
// only as its argon2id hash, and returns it without the hash. EINVALID (see
// CheckOperatorEmail, CheckOperatorRole, CheckOperatorPassword); ECONFLICT
// when an operator has the email in any case.
func (s *Service) CreateOperator(ctx context.Context, email, role, password string) (*roster.Operator, error) {
	if err := CheckOperatorEmail(email); err != nil {
		return nil, err
	}
	if err := CheckOperatorRole(role); err != nil {
		return nil, err
	}
	hash, err := hashOperatorPassword(password)
	if err != nil {
		return nil, err
	}
	o := &roster.Operator{Email: email, Role: role, PasswordHash: hash}
	if err := s.store.CreateOperator(ctx, o); err != nil {
		return nil, err
	}
	o.PasswordHash = ""
	return o, s.audit(ctx, change{action: "operator.create", target: o.ID, after: operatorStateOf(o)})
}

// Operators lists every operator ordered by email, without their hashes.
func (s *Service) Operators(ctx context.Context) ([]*roster.Operator, error) {
	ops, err := s.store.Operators(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range ops {
		o.PasswordHash = ""
	}
	return ops, nil
}

// RemoveOperator removes the operator email (in any case). ENOTFOUND;
// ECONFLICT when it is the last admin: Roster always keeps one.
func (s *Service) RemoveOperator(ctx context.Context, email string) error {
	o, err := s.store.OperatorByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := s.store.RemoveOperator(ctx, o.ID); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "operator.remove", target: o.ID, before: operatorStateOf(o)})
}

// SetOperatorPassword replaces the password of the operator email (in any
// case) and ends its console sessions. ENOTFOUND, EINVALID
// (CheckOperatorPassword).
func (s *Service) SetOperatorPassword(ctx context.Context, email, password string) error {
	hash, err := hashOperatorPassword(password)
	if err != nil {
		return err
	}
	o, err := s.store.OperatorByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := s.store.SetOperatorPassword(ctx, o.ID, hash); err != nil {
		return err
	}
	// Whoever knew the old password is signed out of the console.
	if _, err := s.store.EndOperatorSessions(ctx, o.ID); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "operator.password", target: o.ID, after: operatorStateOf(o)})
}

// AuthenticateOperator returns the operator whose email (in any case) and
// password these are, recording the sign-in, without the hash. Any failure to
// match is the same EUNAUTHORIZED, and an unknown email costs the same hash as
// a known one: the answer never tells whether an operator has the email.
func (s *Service) AuthenticateOperator(ctx context.Context, email, password string) (*roster.Operator, error) {
	denied := roster.Errorf(roster.EUNAUTHORIZED, "wrong email or password")
	if len(password) > MaxOperatorPassword {
		return nil, denied // refused before hashing, whoever the email names
	}
	o, err := s.store.OperatorByEmail(ctx, email)
	if err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
		return nil, err
	}
	hash := s.dummyHash()
	if o != nil {
		hash = o.PasswordHash
	}
	if !sso.VerifyPassword(hash, password) || o == nil {
		return nil, denied
	}
	o.LastSignIn = s.now().UTC()
	if err := s.store.SetOperatorSignIn(ctx, o.ID, o.LastSignIn); err != nil {
		return nil, err
	}
	o.PasswordHash = ""
	return o, nil
}

// hashOperatorPassword checks password and returns its argon2id hash.
func hashOperatorPassword(password string) (string, error) {
	if err := CheckOperatorPassword(password); err != nil {
		return "", err
	}
	return sso.HashPassword(password)
}

// newDummyHash returns the hash an unknown email's password is compared
// with: of a random password no one knows.
func newDummyHash() string {
	h, err := sso.HashPassword(rand.Text())
	if err != nil {
		panic(err) // rand.Text is 26 characters, more than any minimum
	}
	return h
}

// operatorState is what the audit trail records of an operator: never its
// password or hash.
type operatorState struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

func operatorStateOf(o *roster.Operator) operatorState {
	return operatorState{Email: o.Email, Role: o.Role}
}
