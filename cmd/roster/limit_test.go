package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// result is one response of a request sent from a goroutine.
type result struct {
	status     int
	retryAfter string
	body       map[string]any
	raw        string
	err        error
}

// send sends a request with auth (and X-Forwarded-For when from is not "");
// safe to call from any goroutine.
func (s *testServer) send(method, path, auth, from string) result {
	req, err := http.NewRequest(method, s.base+path, nil)
	if err != nil {
		return result{err: err}
	}
	req.Header.Set("Authorization", auth)
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	r := result{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), raw: string(raw), err: err}
	if err == nil && len(raw) > 0 {
		r.err = json.Unmarshal(raw, &r.body)
	}
	return r
}

// wantRefusal checks a 429 answer: Retry-After in whole seconds, and a SCIM
// error whose detail ends with the request id.
func wantRefusal(t *testing.T, r result) {
	t.Helper()
	if r.status != 429 {
		t.Fatalf("status %d, want 429: %s", r.status, r.raw)
	}
	if n, err := strconv.Atoi(r.retryAfter); err != nil || n < 1 {
		t.Errorf("Retry-After = %q, want a number of seconds", r.retryAfter)
	}
	if str(r.body, "status") != "429" || !strings.Contains(str(r.body, "detail"), "(request ") {
		t.Errorf("429 body is not a SCIM error naming the request: %s", r.raw)
	}
}

// burst sends n GET path at once with auth, from the address from (when the
// server trusts X-Forwarded-For), and returns their results.
func (s *testServer) burst(n int, path, auth, from string) []result {
	out := make([]result, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = s.send("GET", path, auth, from) })
	}
	wg.Wait()
	return out
}

// TestTenantRateLimit sets a tenant's limit with "roster tenant update" while
// the server runs: a burst past it is answered 429 with Retry-After while
// another tenant is served as usual, and once the bucket refills, requests pass.
func TestTenantRateLimit(t *testing.T) { forEachStore(t, testTenantRateLimit) }

func testTenantRateLimit(t *testing.T, db string) {
	s := startServer(t, db)
	acmeID := strings.Fields(s.cli(t, "tenant", "create", "acme"))[0]
	acme := "Bearer " + strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "acme"))
	other := "Bearer " + s.token
	// acme is served once with the default limits, so the server holds them.
	if r := s.send("GET", "/Users?count=1", acme, ""); r.status != 200 {
		t.Fatalf("acme before the update: %d %s", r.status, r.raw)
	}
	s.cli(t, "tenant", "update", "acme", "--rate", "5", "--burst", "5")
	if list := s.cli(t, "tenant", "list"); !strings.Contains(list, "5/s") {
		t.Fatalf("tenant list does not show the limit:\n%s", list)
	}

	// The running server applies the new limit within about a second: burst
	// until it refuses, while the other tenant is served alongside.
	var (
		got     []result
		others  []result
		refused int
	)
	waitUntil(t, "a burst past the new limit is refused", func() bool {
		var wg sync.WaitGroup
		wg.Go(func() { got = s.burst(50, "/Users?count=1", acme, "") })
		wg.Go(func() {
			others = others[:0]
			for range 20 {
				others = append(others, s.send("GET", "/Users?count=1", other, ""))
			}
		})
		wg.Wait()
		refused = 0
		for _, r := range got {
			if r.status == 429 {
				refused++
			}
		}
		if refused == 0 {
			time.Sleep(200 * time.Millisecond)
		}
		return refused > 0
	})
	counts := map[int]int{}
	maxRetry := 0
	for _, r := range got {
		if r.err != nil {
			t.Fatal(r.err)
		}
		counts[r.status]++
		if r.status == 429 {
			wantRefusal(t, r)
			n, _ := strconv.Atoi(r.retryAfter)
			maxRetry = max(maxRetry, n)
		}
	}
	if counts[200] < 5 || counts[200]+counts[429] != 50 {
		t.Errorf("burst of 50 at rate 5, burst 5: statuses %v, want at least 5 passed and the rest 429", counts)
	}
	for _, r := range others {
		if r.status != 200 {
			t.Errorf("the other tenant during acme's burst: %d %s", r.status, r.raw)
		}
	}

	t.Logf("burst statuses %v, Retry-After up to %ds", counts, maxRetry)
	// The bucket refills.
	time.Sleep(time.Duration(maxRetry) * time.Second)
	if r := s.send("GET", "/Users?count=1", acme, ""); r.status != 200 {
		t.Errorf("acme after Retry-After: %d %s", r.status, r.raw)
	}

	fams := s.scrape(t)
	if n, _ := value(fams, "roster_rate_limited_total", "reason", "tenant"); n < float64(refused) {
		t.Errorf("roster_rate_limited_total{reason=tenant} = %v, want at least %d", n, refused)
	}
	if n, _ := value(fams, "roster_scim_operations_total", "resource", "User", "action", "list", "outcome", "rate_limit"); n < float64(refused) {
		t.Errorf("roster_scim_operations_total{outcome=rate_limit} = %v, want at least %d", n, refused)
	}
	logs := s.stdout.String()
	if !strings.Contains(logs, "rate limited") || !strings.Contains(logs, "tenant_id="+acmeID) || !strings.Contains(logs, "reason=tenant") {
		t.Errorf("no warning names the tenant and the reason:\n%.2000s", logs)
	}
}

// TestAuthFailureLimit floods the server with a wrong secret from one source
// address: the 401s end in 429s, whose Retry-After does not grow however long
// the flood goes on, while good tokens of this and another tenant from the
// same address are served, and the tenant's own bucket is untouched.
func TestAuthFailureLimit(t *testing.T) { forEachStore(t, testAuthFailureLimit) }

func testAuthFailureLimit(t *testing.T, db string) {
	s := startServerWith(t, db, "--trust-proxy")
	// So small a refill that a bucket drained by the flood could not serve the burst below.
	s.cli(t, "tenant", "update", "default", "--rate", "0.1", "--burst", "7")
	s.cli(t, "tenant", "create", "acme")
	acme := "Bearer " + strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "acme"))
	good := "Bearer " + s.token
	wrong := "Bearer " + s.token[:12] + strings.Repeat("x", len(s.token)-12)
	const flooder = "198.51.100.7"

	var unauthorized int
	var last result
	for range 100 {
		last = s.send("GET", "/Users", wrong, flooder)
		if last.status != 401 {
			break
		}
		unauthorized++
	}
	wantRefusal(t, last)
	if unauthorized < 10 {
		t.Errorf("%d 401s before the first 429, want the burst of 10 first", unauthorized)
	}
	// Refused retries do not push the end of the block back.
	for i := range 30 {
		r := s.send("GET", "/Users", wrong, flooder)
		if r.status == 401 {
			continue // a second passed: one more failure was earned
		}
		wantRefusal(t, r)
		if r.retryAfter != "1" {
			t.Fatalf("blocked retry %d: Retry-After %s, want 1: a refused retry must not extend the block", i, r.retryAfter)
		}
	}

	// The tenant's bucket is full: a burst of 5 from elsewhere is served at
	// once, leaving two requests for the rest of the test.
	for i, r := range s.burst(5, "/Users", good, "203.0.113.9") {
		if r.status != 200 {
			t.Errorf("request %d of the tenant after the flood: %d %s", i, r.status, r.raw)
		}
	}
	// Good tokens from the flooding address are served: the failure limit
	// counts and refuses failed credentials only.
	for name, auth := range map[string]string{"default": good, "acme": acme} {
		if r := s.send("GET", "/Users", auth, flooder); r.status != 200 {
			t.Errorf("tenant %s's good token from the flooding address: %d %s", name, r.status, r.raw)
		}
	}
	// The token prefix spends its failures too: wrong secrets from ever new
	// addresses are refused, the good one is not.
	var byPrefix result
	for i := range 20 {
		byPrefix = s.send("GET", "/Users", wrong, "192.0.2."+strconv.Itoa(100+i))
		if byPrefix.status != 401 {
			break
		}
	}
	wantRefusal(t, byPrefix)
	if r := s.send("GET", "/Users", good, "192.0.2.1"); r.status != 200 {
		t.Errorf("the good token from a new address: %d %s", r.status, r.raw)
	}

	fams := s.scrape(t)
	for _, reason := range []string{"auth_address", "auth_token"} {
		if n, _ := value(fams, "roster_rate_limited_total", "reason", reason); n < 1 {
			t.Errorf("roster_rate_limited_total{reason=%s} = %v, want at least 1", reason, n)
		}
	}
	if n, _ := value(fams, "roster_rate_limited_total", "reason", "tenant"); n != 0 {
		t.Errorf("roster_rate_limited_total{reason=tenant} = %v, want 0: failures never touch the tenant's bucket", n)
	}
}
