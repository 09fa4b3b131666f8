package admin_test

import (
	"testing"

	"github.com/rosterhq/roster"
)

// TestPublicURL records the URL a server is reached at and reads back the
// URL to print: the one given wins, then the one recorded, then the fallback.
func TestPublicURL(t *testing.T) {
	ctx, svc, _ := newSealedService(t)
	for _, bad := range []string{"", "roster.example.com", "ftp://roster.example.com", "https://", "https://roster.example.com/?a=b",
		"https://roster.example.com/#x", "https://user:pw@roster.example.com", "http://roster.example.com/%zz"} {
		if err := svc.RecordPublicURL(ctx, bad); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("RecordPublicURL(%q) = %v, want EINVALID", bad, err)
		}
	}
	want := func(given, fallback, want string) {
		t.Helper()
		if got, err := svc.PublicURL(ctx, given, fallback); err != nil || got != want {
			t.Errorf("PublicURL(%q, %q) = %q, %v; want %q", given, fallback, got, err, want)
		}
	}
	want("", "http://127.0.0.1:8080", "http://127.0.0.1:8080")
	if err := svc.RecordPublicURL(ctx, "https://roster.example.com/"); err != nil {
		t.Fatalf("RecordPublicURL = %v", err)
	}
	want("", "http://127.0.0.1:8080", "https://roster.example.com")
	want("https://given.example.com/", "http://127.0.0.1:8080", "https://given.example.com")
	if err := svc.RecordPublicURL(ctx, "http://127.0.0.1:41234"); err != nil {
		t.Fatalf("RecordPublicURL = %v", err)
	}
	want("", "", "http://127.0.0.1:41234")
	if es := auditSince(t, ctx, svc, 1); len(es) != 0 {
		t.Errorf("recording the public URL wrote audit rows: %s", actions(es))
	}
}
