// Package metrics holds Roster's Prometheus metrics: a registry of its own
// (never the process-wide default), the series every part reports to, and the
// /metrics handler the admin listener serves.
//
// Labels take values from fixed sets only (route patterns, resource types,
// error codes), never from a raw path, an id or a client's choice.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rosterhq/roster"
)

// LimitReasons are the reasons a limit refuses a request for: the tenant's
// bucket is empty; failed authentications from the source address, or with
// the token prefix, are spent; the in-flight cap is reached.
var LimitReasons = []string{"tenant", "auth_address", "auth_token", "inflight"}

// Metrics are one process's metrics. A nil *Metrics records nothing.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ops      *prometheus.CounterVec
	limited  *prometheus.CounterVec
}

// New returns the metrics of a process, with the Go runtime's and the
// process's own collectors registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roster_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_scim_operations_total",
			Help: "SCIM operations, by resource type, action and outcome (ok or the error code).",
		}, []string{"resource", "action", "outcome"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_rate_limited_total",
			Help: "Requests refused by a limit (429, or 503 for the in-flight cap), by reason.",
		}, []string{"reason"}),
	}
	for _, reason := range LimitReasons {
		m.limited.WithLabelValues(reason) // every reason is exposed from the start, at 0
	}
	m.reg.MustRegister(m.requests, m.duration, m.ops, m.limited,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRequest counts one answered request. route is the pattern that
// matched it; methods outside HTTP's standard set are counted as OTHER.
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	method = knownMethod(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// Operation counts one SCIM operation.
func (m *Metrics) Operation(resource, action, outcome string) {
	if m == nil {
		return
	}
	m.ops.WithLabelValues(resource, action, outcome).Inc()
}

// RateLimited counts one request refused by a limit.
func (m *Metrics) RateLimited(reason string) {
	if m == nil {
		return
	}
	m.limited.WithLabelValues(reason).Inc()
}

// WatchPools reports the connection pools of s on every scrape.
func (m *Metrics) WatchPools(s roster.PoolStater) {
	if m == nil {
		return
	}
	m.reg.MustRegister(newPoolCollector(s))
}

// knownMethod bounds the method label to HTTP's standard methods.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// poolCollector reads a store's pool statistics when scraped.
type poolCollector struct {
	src                               roster.PoolStater
	max, conns, waits, waitSecondsSum *prometheus.Desc
}

func newPoolCollector(src roster.PoolStater) *poolCollector {
	pool := []string{"pool"}
	return &poolCollector{
		src: src,
		max: prometheus.NewDesc("roster_store_pool_max_connections",
			"The most connections a store pool may open.", pool, nil),
		conns: prometheus.NewDesc("roster_store_pool_connections",
			"Open connections of a store pool, by state (in_use, idle).", []string{"pool", "state"}, nil),
		waits: prometheus.NewDesc("roster_store_pool_waits_total",
			"Times a caller waited for a connection of a store pool.", pool, nil),
		waitSecondsSum: prometheus.NewDesc("roster_store_pool_wait_seconds_total",
			"Time callers spent waiting for (PostgreSQL: acquiring) a connection of a store pool.", pool, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.max
	ch <- c.conns
	ch <- c.waits
	ch <- c.waitSecondsSum
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.src.PoolStats() {
		ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(p.Max), p.Name)
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.InUse), p.Name, "in_use")
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.Idle), p.Name, "idle")
		ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(p.Waits), p.Name)
		ch <- prometheus.MustNewConstMetric(c.waitSecondsSum, prometheus.CounterValue, p.WaitTime.Seconds(), p.Name)
	}
}

// GaugeFunc registers a gauge whose value fn reads at each scrape.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// CounterFunc registers a counter whose value fn reads at each scrape.
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}
