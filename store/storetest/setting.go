package storetest

import (
	"context"
	"testing"

	"github.com/rosterhq/roster"
)

// testPublicURL records the public URL and reads it back: none before the
// first record, the last one after several.
func testPublicURL(t *testing.T, s roster.Store) {
	ctx := context.Background()
	_, err := s.PublicURL(ctx)
	wantCode(t, "PublicURL before any", err, roster.ENOTFOUND)
	for _, url := range []string{"http://127.0.0.1:8080", "https://roster.example.com"} {
		if err := s.SetPublicURL(ctx, url); err != nil {
			t.Fatalf("SetPublicURL(%q) = %v", url, err)
		}
		got, err := s.PublicURL(ctx)
		if err != nil || got != url {
			t.Errorf("PublicURL after SetPublicURL(%q) = %q, %v", url, got, err)
		}
	}
}
