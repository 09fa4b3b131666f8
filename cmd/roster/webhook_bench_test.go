package main

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/testdb"
)

// benchReceiver acknowledges every delivery and tells when each userName's
// user.created event arrived.
type benchReceiver struct {
	mu      sync.Mutex
	arrived map[string]time.Time
	count   atomic.Int64
	wake    chan struct{}
}

func (br *benchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	body := b.String()
	now := time.Now()
	if i := strings.Index(body, `"userName":"`); i >= 0 && strings.Contains(body, `"type":"user.created"`) {
		name := body[i+len(`"userName":"`):]
		name = name[:strings.IndexByte(name, '"')]
		br.mu.Lock()
		br.arrived[name] = now
		br.mu.Unlock()
	}
	br.count.Add(1)
	select {
	case br.wake <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

func benchStores(b *testing.B, run func(b *testing.B, db string)) {
	b.Run("sqlite", func(b *testing.B) { run(b, "sqlite:"+testdb.SQLitePath(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(testdb.PostgresEnv) == "" {
			b.Skip("set " + testdb.PostgresEnv)
		}
		run(b, testdb.Postgres(b))
	})
}

// BenchmarkWebhookLatency measures, one write at a time, the time from the
// 201 of a SCIM create to the arrival of its user.created webhook.
func BenchmarkWebhookLatency(b *testing.B) {
	benchStores(b, func(b *testing.B, db string) {
		s, br := benchServer(b, db)
		var lat []time.Duration
		i := 0
		for b.Loop() {
			name := fmt.Sprintf("lat%d@example.com", i)
			i++
			status, acked := benchCreate(s, name)
			if status != 201 {
				b.Fatalf("create: %d", status)
			}
			for {
				br.mu.Lock()
				at, ok := br.arrived[name]
				br.mu.Unlock()
				if ok {
					lat = append(lat, max(at.Sub(acked), 0))
					break
				}
				<-br.wake
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	})
}

// BenchmarkWebhookThroughput writes users with 8 concurrent clients as fast as
// the server takes them and reports the write rate, the delivery rate, and the
// backlog left when the writes end.
func BenchmarkWebhookThroughput(b *testing.B) {
	benchStores(b, func(b *testing.B, db string) {
		s, br := benchServer(b, db)
		const writers, perWriter = 8, 250
		for b.Loop() {
			base := br.count.Load()
			start := time.Now()
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range perWriter {
						if status, _ := benchCreate(s, fmt.Sprintf("tp%d-%d-%d@example.com", start.UnixNano(), w, i)); status != 201 {
							b.Errorf("create: %d", status)
							return
						}
					}
				})
			}
			wg.Wait()
			wrote := time.Since(start)
			backlog := writers*perWriter - (br.count.Load() - base)
			for br.count.Load()-base < writers*perWriter {
				<-br.wake
			}
			drained := time.Since(start)
			b.ReportMetric(writers*perWriter/wrote.Seconds(), "writes/s")
			b.ReportMetric(writers*perWriter/drained.Seconds(), "delivered/s")
			b.ReportMetric(float64(backlog), "backlog-at-end")
		}
	})
}

// benchServer starts roster serve on db with a webhook to a receiver.
func benchServer(b *testing.B, db string) (*testServer, *benchReceiver) {
	s := startServer(b, db)
	br := &benchReceiver{arrived: map[string]time.Time{}, wake: make(chan struct{}, 1)}
	s.cli(b, "webhook", "add", "--url", httptestServer(b, br))
	return s, br
}

// benchCreate posts a user and returns the status and when the answer came.
func benchCreate(s *testServer, name string) (int, time.Time) {
	req, err := newSCIMRequest(s, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true}`, name))
	if err != nil {
		return 0, time.Time{}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, time.Time{}
	}
	res.Body.Close()
	return res.StatusCode, time.Now()
}
