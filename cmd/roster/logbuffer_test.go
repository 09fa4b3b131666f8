package main

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the flush timer's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogBuffer checks when buffered log lines are written: an info line
// within the flush interval, not at once; a warning at once, after the lines
// that waited before it; a full buffer at once; the rest on Flush.
func TestLogBuffer(t *testing.T) {
	out := &lockedBuffer{}
	buf := newLogBuffer(out)
	log := slog.New(urgentHandler{slog.NewTextHandler(buf, nil), buf}).With("svc", "roster")

	log.Info("first")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "msg=first") {
		if time.Now().After(deadline) {
			t.Fatalf("the info line was not written within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}

	log.Info("waiting")
	log.Warn("rate limited", "reason", "tenant")
	got := out.String()
	if w, r := strings.Index(got, "msg=waiting"), strings.Index(got, "msg=\"rate limited\""); w < 0 || r < w || !strings.Contains(got, "svc=roster reason=tenant") {
		t.Fatalf("after a warning, want the waiting line then the warning, with the logger's attributes:\n%s", got)
	}

	before := len(out.String())
	log.Info("big", "pad", strings.Repeat("x", logBufferSize))
	if len(out.String()) < before+logBufferSize {
		t.Errorf("a line filling the buffer was not written at once")
	}

	log.Info("last")
	if err := buf.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "msg=last") {
		t.Errorf("Flush did not write the waiting line")
	}
	if n := strings.Count(out.String(), "\n"); n != 5 {
		t.Errorf("%d lines written; want 5, each once:\n%.400s", n, out.String())
	}
}
