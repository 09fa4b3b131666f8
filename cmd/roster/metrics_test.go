package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// plainGet sends a GET without credentials to url and returns the status and body.
func plainGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// root is the server's public URL, without the SCIM path.
func (s *testServer) root() string {
	return strings.TrimSuffix(s.base, "/scim/v2")
}

// scrape reads the admin listener's /metrics as Prometheus text.
func (s *testServer) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := plainGet(t, s.admin+"/metrics")
	if status != 200 {
		t.Fatalf("GET /metrics: %d\n%s", status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v\n%s", err, body)
	}
	return fams
}

// value returns the value of the counter or gauge of family name whose labels
// include labels ("k", "v", …), and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if !hasLabels(m, labels...) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, labels ...string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for i := 0; i+1 < len(labels); i += 2 {
		if have[labels[i]] != labels[i+1] {
			return false
		}
	}
	return true
}

// TestMetrics sends SCIM and app API traffic and reads it back from /metrics on the admin
// listener: requests by route pattern, SCIM operations by outcome, pool
// gauges; no label holds an id or a raw path.
func TestMetrics(t *testing.T) { forEachStore(t, testMetrics) }

func testMetrics(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_PPROF": "true"})
	if s.admin == "" {
		t.Fatal("no admin listener")
	}
	u := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"metered@example.com"}`).want(t, 201)
	id := str(u.body, "id")
	s.do(t, "GET", "/Users/"+id, "").want(t, 200)
	s.do(t, "GET", "/Users/"+id, "").want(t, 200)
	s.do(t, "GET", "/Users?filter="+q(`userName eq "metered@example.com"`), "").want(t, 200)
	s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	s.do(t, "GET", "/Users/00000000-0000-0000-0000-000000000000", "").wantError(t, 404, "")
	s.do(t, "GET", "/Users?filter="+q(`userName eq`), "").wantError(t, 400, "invalidFilter")
	s.doAs(t, "Bearer rst_wrongwrongwrongwrongwrong", "GET", "/Users", "").wantError(t, 401, "")
	s.do(t, "GET", "/ServiceProviderConfig", "").want(t, 200)
	if status, _ := plainGet(t, s.root()+"/no/such/"+id); status != 404 {
		t.Errorf("GET /no/such/…: %d, want 404", status)
	}
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "app"))
	s.app(t, key, "/users/"+id).want(t, 200)
	s.app(t, key, "/users/"+id+"/groups").want(t, 200)

	fams := s.scrape(t)
	for _, name := range []string{
		"roster_http_requests_total", "roster_http_request_duration_seconds", "roster_scim_operations_total",
		"roster_rate_limited_total", "roster_store_pool_connections", "roster_store_pool_max_connections",
		"roster_store_pool_waits_total", "go_goroutines",
	} {
		if fams[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"roster_http_requests_total", []string{"method", "GET", "route", "GET /scim/v2/Users/{id}", "code", "200"}, 2},
		{"roster_http_requests_total", []string{"method", "GET", "route", "GET /scim/v2/Users/{id}", "code", "404"}, 1},
		{"roster_http_requests_total", []string{"method", "POST", "route", "POST /scim/v2/Users", "code", "201"}, 1},
		{"roster_http_requests_total", []string{"method", "GET", "route", "unmatched", "code", "404"}, 1},
		{"roster_http_request_duration_seconds", []string{"method", "PATCH", "route", "PATCH /scim/v2/Users/{id}"}, 1},
		{"roster_http_requests_total", []string{"method", "GET", "route", "GET /api/v1/users/{id}", "code", "200"}, 1},
		{"roster_http_requests_total", []string{"method", "GET", "route", "GET /api/v1/users/{id}/groups", "code", "200"}, 1},
		{"roster_scim_operations_total", []string{"resource", "User", "action", "create", "outcome", "ok"}, 1},
		{"roster_scim_operations_total", []string{"resource", "User", "action", "get", "outcome", "ok"}, 2},
		{"roster_scim_operations_total", []string{"resource", "User", "action", "get", "outcome", "not_found"}, 1},
		{"roster_scim_operations_total", []string{"resource", "User", "action", "list", "outcome", "ok"}, 1},
		{"roster_scim_operations_total", []string{"resource", "User", "action", "list", "outcome", "invalid_filter"}, 1},
		{"roster_scim_operations_total", []string{"resource", "User", "action", "list", "outcome", "unauthorized"}, 1},
		{"roster_scim_operations_total", []string{"resource", "User", "action", "patch", "outcome", "ok"}, 1},
		{"roster_scim_operations_total", []string{"resource", "ServiceProviderConfig", "action", "discovery", "outcome", "ok"}, 1},
		{"roster_rate_limited_total", []string{"reason", "tenant"}, 0},
	}
	for _, tt := range tests {
		if got, ok := value(fams, tt.name, tt.labels...); !ok || got != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := value(fams, "roster_store_pool_max_connections"); !ok {
		t.Error("no store pool is reported")
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), id) || strings.Contains(l.GetValue(), "/no/such") {
					t.Errorf("%s has the label %s=%q: a raw id or path", name, l.GetName(), l.GetValue())
				}
			}
		}
	}

	// The admin routes are not on the public listener.
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if status, _ := plainGet(t, s.root()+path); status != 404 {
			t.Errorf("public GET %s: %d, want 404", path, status)
		}
	}
	if status, body := plainGet(t, s.admin+"/debug/pprof/"); status != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("admin GET /debug/pprof/: %d\n%.200s", status, body)
	}
}
