package webhook

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster"
)

// Sealer encrypts a secret at rest for a purpose, which binds it (as the
// additional data of an AEAD), and opens it again; sso.Sealer is one, under
// Roster's secret key.
type Sealer interface {
	Seal(purpose string, plain []byte) []byte
	Open(purpose string, sealed []byte) ([]byte, error)
}

// secretPurpose is what a signing secret is sealed for: a value sealed for
// another purpose (a sign-in secret) does not open as a signing secret.
const secretPurpose = "roster webhook signing secret"

// sealedMark starts a sealed signing secret as stored; a secret stored as it
// is starts with "whsec_".
const sealedMark = "sealed:"

// SealSecret returns the signing secret as stores keep it: sealed by s, or as
// it is when s is nil (no secret key is configured).
func SealSecret(s Sealer, secret string) string {
	if s == nil || strings.HasPrefix(secret, sealedMark) {
		return secret
	}
	return sealedMark + base64.RawStdEncoding.EncodeToString(s.Seal(secretPurpose, []byte(secret)))
}

// OpenSecret returns the signing secret stored as stored: opened by s when
// sealed, as it is otherwise. It fails when the secret is sealed and s is nil
// or does not open it (another key).
func OpenSecret(s Sealer, stored string) (string, error) {
	b64, ok := strings.CutPrefix(stored, sealedMark)
	if !ok {
		return stored, nil
	}
	if s == nil {
		return "", errors.New("the signing secret is sealed and no secret key is configured (ROSTER_SECRET_KEY)")
	}
	sealed, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return "", errors.New("the sealed signing secret is not base64")
	}
	plain, err := s.Open(secretPurpose, sealed)
	if err != nil {
		return "", fmt.Errorf("signing secret: %w", err)
	}
	return string(plain), nil
}

// sealStored seals the secrets of ws that are stored as they are (endpoints
// added before secrets were sealed, or without a key), in the store and in
// ws. A secret changed meanwhile by another instance is left to it.
func (r *Relay) sealStored(ctx context.Context, ws []*roster.Webhook) {
	if r.opts.Sealer == nil {
		return
	}
	for _, w := range ws {
		if strings.HasPrefix(w.Secret, sealedMark) {
			continue
		}
		sealed := SealSecret(r.opts.Sealer, w.Secret)
		ok, err := r.store.ReplaceWebhookSecret(ctx, w.ID, w.Secret, sealed)
		if err != nil {
			r.opts.Logger.WarnContext(ctx, "webhooks: seal secret", "webhook", w.ID, "err", err)
			continue
		}
		if ok {
			w.Secret = sealed
			r.opts.Logger.InfoContext(ctx, "webhook signing secret sealed", "webhook", w.ID)
		}
	}
}
