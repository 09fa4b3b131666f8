package sso

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/rosterhq/roster"
)

// KeySize is the length of Roster's secret key: AES-256.
const KeySize = 32

// Sealer encrypts what sign-in keeps secret at rest (the tenants' client
// secrets, Roster's private signing keys, the state cookie) with AES-256-GCM
// under Roster's secret key. A sealed value is the random 12-byte nonce
// followed by the ciphertext and its tag; what is sealed for one purpose
// cannot be opened for another (the purpose is the additional data).
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer under key, which must be KeySize bytes.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, roster.Errorf(roster.EINVALID, "secret key: want %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain for purpose.
func (s *Sealer) Seal(purpose string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce) // never fails (crypto/rand documents it)
	return s.aead.Seal(nonce, nonce, plain, []byte(purpose))
}

// Open decrypts what Seal sealed for purpose. It fails when the value was
// sealed under another key or for another purpose, or was changed.
func (s *Sealer) Open(purpose string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errors.New("sealed value too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(purpose))
	if err != nil {
		return nil, errors.New("sealed value does not open with this key")
	}
	return plain, nil
}

// ParseKey reads a secret key written as standard base64 (ROSTER_SECRET_KEY).
func ParseKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "secret key: not base64: %v", err)
	}
	if len(key) != KeySize {
		return nil, roster.Errorf(roster.EINVALID, "secret key: want base64 of %d bytes, got %d bytes", KeySize, len(key))
	}
	return key, nil
}

// NewKey returns a fresh secret key in the form ParseKey reads.
func NewKey() string {
	b := make([]byte, KeySize)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// KeyFile reads the secret key kept in the file at path, creating the file
// (mode 0600, a fresh key) when it does not exist. Of processes creating it
// at once, one writes it and every one reads the same key.
func KeyFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		_, werr := f.WriteString(NewKey() + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("secret key file: %w", err)
		}
	case !errors.Is(err, os.ErrExist):
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}
