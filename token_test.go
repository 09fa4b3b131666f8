package roster

import "testing"

// TestTokenLen: every secret NewTokenSecret returns is TokenLen long and
// token-shaped, so a shorter value that starts as one was cut when copied.
func TestTokenLen(t *testing.T) {
	for range 100 {
		secret, prefix, _ := NewTokenSecret()
		if len(secret) != TokenLen || !IsTokenShaped(secret) || TokenPrefix(secret) != prefix {
			t.Fatalf("NewTokenSecret() = %q (%d characters), prefix %q; want %d characters, token-shaped, prefix %q", secret, len(secret), prefix, TokenLen, TokenPrefix(secret))
		}
	}
}
