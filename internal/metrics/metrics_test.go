package metrics

import (
	"testing"
	"time"
)

// BenchmarkRequest is what the metrics add to one SCIM request: the request
// counter and histogram, and the operation counter.
func BenchmarkRequest(b *testing.B) {
	m := New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("GET", "GET /scim/v2/Users/{id}", 200, 1500*time.Microsecond)
			m.Operation("User", "get", "ok")
		}
	})
}

func TestKnownMethod(t *testing.T) {
	for _, tt := range []struct{ in, want string }{{"GET", "GET"}, {"PATCH", "PATCH"}, {"get", "OTHER"}, {"BREW", "OTHER"}} {
		if got := knownMethod(tt.in); got != tt.want {
			t.Errorf("knownMethod(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
