package sso

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rosterhq/roster"
)

// purposeSigningKey is what a private signing key is sealed for.
const purposeSigningKey = "roster signing key"

// KeyStore is what the key ring needs of the store.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, k *roster.SigningKey) error
	SigningKeys(ctx context.Context) ([]*roster.SigningKey, error)
	RetireSigningKey(ctx context.Context, id string, at time.Time) error
}

// NewSigningKey generates a key for alg (roster.ES256 or roster.RS256), seals
// its private part and returns it, activating at activates.
func NewSigningKey(alg string, sealer *Sealer, activates time.Time) (*roster.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case roster.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case roster.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, roster.Errorf(roster.EINVALID, "signing algorithm %q: want ES256 or RS256", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	id := make([]byte, 12)
	rand.Read(id)
	return &roster.SigningKey{ID: base64.RawURLEncoding.EncodeToString(id), Algorithm: alg,
		SealedPrivate: sealer.Seal(purposeSigningKey, der), Activates: activates}, nil
}

// RotateKeys adds a new key for alg that signs from now on, and schedules
// every other published key to leave the JWKS after overlap, so that tokens
// they signed stay verifiable until then.
func RotateKeys(ctx context.Context, store KeyStore, sealer *Sealer, alg string, now time.Time, overlap time.Duration) (*roster.SigningKey, error) {
	k, err := NewSigningKey(alg, sealer, now)
	if err != nil {
		return nil, err
	}
	old, err := store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if err := store.CreateSigningKey(ctx, k); err != nil {
		return nil, err
	}
	for _, o := range old {
		if o.Retires.IsZero() || o.Retires.After(now.Add(overlap)) {
			if err := store.RetireSigningKey(ctx, o.ID, now.Add(overlap)); err != nil {
				return nil, err
			}
		}
	}
	return k, nil
}

// keyRing is Roster's signing keys as read from the store, opened.
type keyRing struct {
	current *openKey   // the newest key active at the time read
	keys    []*openKey // every published key
}

type openKey struct {
	id   string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

// loadKeys reads the keys published at now and opens them. When none is
// active, it creates an ES256 key first (the first sign-in of a new store).
func loadKeys(ctx context.Context, store KeyStore, sealer *Sealer, now time.Time) (*keyRing, error) {
	ks, err := store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	ring := &keyRing{}
	for _, k := range ks {
		if !k.Published(now) {
			continue
		}
		der, err := sealer.Open(purposeSigningKey, k.SealedPrivate)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", k.ID, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", k.ID, err)
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("signing key %s: not a signing key", k.ID)
		}
		ok2 := &openKey{id: k.ID, alg: jose.SignatureAlgorithm(k.Algorithm), priv: signer}
		ring.keys = append(ring.keys, ok2)
		if !k.Activates.After(now) {
			ring.current = ok2 // keys come by Activates: the last active one wins
		}
	}
	if ring.current != nil {
		return ring, nil
	}
	k, err := NewSigningKey(roster.ES256, sealer, now)
	if err != nil {
		return nil, err
	}
	if err := store.CreateSigningKey(ctx, k); err != nil {
		return nil, err
	}
	return loadKeys(ctx, store, sealer, now)
}

// sign returns claims as a JWT of type typ signed with the current key.
func (r *keyRing) sign(typ string, claims any) (string, error) {
	k := r.current
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// verify checks a JWT of type typ signed by one of the ring's keys and
// decodes its claims.
func (r *keyRing) verify(token, typ string, dst any) error {
	t, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		return err
	}
	if len(t.Headers) != 1 {
		return fmt.Errorf("want one signature")
	}
	if got, _ := t.Headers[0].ExtraHeaders[jose.HeaderType].(string); got != typ {
		return fmt.Errorf("token type %q, want %q", got, typ)
	}
	for _, k := range r.keys {
		if k.id == t.Headers[0].KeyID {
			return t.Claims(k.priv.Public(), dst)
		}
	}
	return fmt.Errorf("unknown key %q", t.Headers[0].KeyID)
}

// jwks is the JSON Web Key Set of the published keys' public parts (RFC 7517).
func (r *keyRing) jwks() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range r.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.id, Algorithm: string(k.alg), Use: "sig"})
	}
	return set
}
