package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/rosterhq/roster"
)

// Bounds of a console session: it ends after SessionIdle without a request,
// and SessionAbsolute after sign-in whatever happens.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
	// sessionTouch is how stale a session's last use may be recorded, so
	// that a page view costs a write at most once a minute.
	sessionTouch = time.Minute
)

// StartSession checks the operator's email and password (AuthenticateOperator) and
// starts a console session from source. It returns the session's secret, for
// the browser's cookie only: the store keeps its SHA-256. EUNAUTHORIZED for a
// wrong email or password.
func (s *Service) StartSession(ctx context.Context, email, password, source string) (string, *roster.Operator, error) {
	o, err := s.AuthenticateOperator(ctx, email, password)
	if err != nil {
		return "", nil, err
	}
	// Sessions past their bounds are refused when used, and deleted by the
	// hourly maintenance.
	now := s.now().UTC()
	secret := rand.Text() + rand.Text()
	ss := &roster.OperatorSession{ID: sessionID(secret), OperatorID: o.ID, Created: now, LastSeen: now, Source: source}
	if err := s.store.CreateOperatorSession(ctx, ss); err != nil {
		return "", nil, err
	}
	ctx = WithActor(ctx, OperatorActor(o, source))
	return secret, o, s.audit(ctx, change{action: "operator.sign_in", target: o.ID})
}

// Session returns the operator whose console session has this secret, and
// records its use. EUNAUTHORIZED when there is no such session, or it is
// idle or old past its bounds (it is then ended), or its operator is gone.
func (s *Service) Session(ctx context.Context, secret string) (*roster.Operator, error) {
	denied := roster.Errorf(roster.EUNAUTHORIZED, "not signed in, or the session has ended")
	if secret == "" {
		return nil, denied
	}
	id := sessionID(secret)
	ss, err := s.store.OperatorSession(ctx, id)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if now.Sub(ss.LastSeen) > SessionIdle || now.Sub(ss.Created) > SessionAbsolute {
		if err := s.store.EndOperatorSession(ctx, id); err != nil {
			return nil, err
		}
		return nil, denied
	}
	o, err := s.store.Operator(ctx, ss.OperatorID)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(ss.LastSeen) >= sessionTouch {
		if err := s.store.TouchOperatorSession(ctx, id, now); err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
			return nil, err
		}
	}
	o.PasswordHash = ""
	return o, nil
}

// EndSession ends the console session with this secret; ending an ended one is
// no error.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.store.EndOperatorSession(ctx, sessionID(secret))
}

// FormToken returns the token the console's forms carry in a session with
// this secret: derived from it, so that nothing more is stored, and of no use
// to sign in with.
func FormToken(secret string) string {
	sum := sha256.Sum256([]byte("roster console form\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// OperatorActor is the actor of what operator o does from source.
func OperatorActor(o *roster.Operator, source string) Actor {
	return Actor{Kind: "operator", Name: o.Email, Source: source}
}

// sessionID is what the store keeps of a session's secret.
func sessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
