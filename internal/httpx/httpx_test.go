package httpx

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func TestWrap(t *testing.T) {
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		io.WriteString(w, RequestID(r.Context()))
	}), slog.New(slog.DiscardHandler), nil)
	srv := httptest.NewServer(h)
	defer srv.Close()

	tests := []struct {
		name, path, sent string
		status           int
		reused           bool
	}{
		{"generated", "/", "", 200, false},
		{"sane id reused", "/", "abc-123_X.y", 200, true},
		{"insane id replaced", "/", "a b\"<script>", 200, false},
		{"too long replaced", "/", strings.Repeat("a", 65), 200, false},
		{"panic recovered", "/panic", "", 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if tt.sent != "" {
				req.Header[RequestIDHeader] = []string{tt.sent}
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			id := res.Header.Get(RequestIDHeader)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if !saneID(id) {
				t.Errorf("response id %q is not sane", id)
			}
			if got := id == tt.sent; got != tt.reused {
				t.Errorf("id %q reused = %v, want %v", id, got, tt.reused)
			}
			// A generated id carries the time of its request.
			if at, ok := roster.RequestIDTime(id); !tt.reused && (!ok || time.Since(at) > time.Minute || time.Until(at) > time.Second) {
				t.Errorf("generated id %q carries time %v, %v; want about now", id, at, ok)
			}
			if tt.status == 200 && string(body) != id {
				t.Errorf("handler saw id %q, response carries %q", body, id)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct {
		name, remote string
		forwarded    []string
		trust        bool
		want         string
	}{
		{"remote host", "192.0.2.1:5000", nil, false, "192.0.2.1"},
		{"forwarded ignored", "192.0.2.1:5000", []string{"198.51.100.7"}, false, "192.0.2.1"},
		{"forwarded trusted", "192.0.2.1:5000", []string{"198.51.100.7"}, true, "198.51.100.7"},
		{"last of a list", "192.0.2.1:5000", []string{"203.0.113.9, 198.51.100.7"}, true, "198.51.100.7"},
		{"last header", "192.0.2.1:5000", []string{"203.0.113.9", "198.51.100.8"}, true, "198.51.100.8"},
		{"garbage falls back", "192.0.2.1:5000", []string{"not-an-ip"}, true, "192.0.2.1"},
		{"ipv6", "[2001:db8::1]:443", nil, false, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, f := range tt.forwarded {
				r.Header.Add("X-Forwarded-For", f)
			}
			if got := ClientAddr(r, tt.trust); got != tt.want {
				t.Errorf("ClientAddr(%s, %v) = %q, want %q", tt.remote, tt.forwarded, got, tt.want)
			}
		})
	}
}
