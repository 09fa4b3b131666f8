package provlog_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/provlog"
)

// registry records the metrics registered with it, by name.
type registry map[string]metric

type metric struct {
	kind, help string
	read       func() float64
}

func (r registry) CounterFunc(name, help string, fn func() float64) {
	r[name] = metric{"counter", help, fn}
}
func (r registry) GaugeFunc(name, help string, fn func() float64) {
	r[name] = metric{"gauge", help, fn}
}

// check fails unless reg holds exactly want, each with its kind, help and value.
func (r registry) check(t *testing.T, want registry, values map[string]float64) {
	t.Helper()
	if len(r) != len(want) {
		t.Errorf("%d metrics registered, want %d", len(r), len(want))
	}
	for name, w := range want {
		m, ok := r[name]
		if !ok {
			t.Errorf("%s is not registered", name)
			continue
		}
		if v := m.read(); m.kind != w.kind || m.help != w.help || v != values[name] {
			t.Errorf("%s: %s %q = %v; want %s %q = %v", name, m.kind, m.help, v, w.kind, w.help, values[name])
		}
	}
}

// TestRecorderMetrics reads the recorder's counters after it wrote rows.
func TestRecorderMetrics(t *testing.T) {
	r := provlog.New(stores(t)["sqlite"], provlog.Options{})
	r.Record(entry(1), nil, nil)
	r.Record(entry(2), nil, nil)
	drain(r)
	reg := registry{}
	r.Metrics(reg)
	reg.check(t, registry{
		"roster_provisioning_log_written_total": {kind: "counter", help: "Provisioning log rows written."},
		"roster_provisioning_log_dropped_total": {kind: "counter", help: "Provisioning log rows dropped because the queue was full (rows or bytes)."},
		"roster_provisioning_log_refused_total": {kind: "counter", help: "Provisioning log rows dropped because the store refused them."},
	}, map[string]float64{"roster_provisioning_log_written_total": 2})
}

// lastRun answers LastRun with at, or err.
type lastRun struct {
	at  time.Time
	err error
}

func (l lastRun) LastRun(ctx context.Context, name string) (time.Time, string, error) {
	if name != provlog.PrunerName {
		return time.Time{}, "", errors.New("asked for " + name)
	}
	return l.at, "deleted 0 rows", l.err
}

// TestPrunerMetrics reads the pruner's last run: its Unix time, 0 when it
// never ran, and 0 (logged) when the store cannot say.
func TestPrunerMetrics(t *testing.T) {
	const name = "roster_provisioning_log_pruner_last_run_timestamp_seconds"
	want := registry{name: {kind: "gauge", help: "When the provisioning log pruner last ran (Unix time; 0: never)."}}
	at := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		store lastRun
		value float64
	}{
		{"ran", lastRun{at: at}, float64(at.Unix())},
		{"never ran", lastRun{}, 0},
		{"store down", lastRun{at: at, err: errors.New("connection refused")}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			reg := registry{}
			provlog.PrunerMetrics(reg, c.store, slog.New(slog.NewTextHandler(&logs, nil)))
			reg.check(t, want, map[string]float64{name: c.value})
			if logged := strings.Contains(logs.String(), "connection refused"); logged != (c.store.err != nil) {
				t.Errorf("logged %q; want the store's error logged, and only it", logs.String())
			}
		})
	}
}
