package provlog

import (
	"context"
	"log/slog"
	"time"
)

// Registry is where metrics are registered: the process's registry
// (internal/metrics), by the two methods the log's metrics use.
type Registry interface {
	CounterFunc(name, help string, fn func() float64)
	GaugeFunc(name, help string, fn func() float64)
}

// Metrics registers the recorder's counters with reg: the rows it wrote, and
// those it dropped because its queue was full or the store refused them.
func (r *Recorder) Metrics(reg Registry) {
	reg.CounterFunc("roster_provisioning_log_written_total", "Provisioning log rows written.", func() float64 { return float64(r.Written()) })
	reg.CounterFunc("roster_provisioning_log_dropped_total", "Provisioning log rows dropped because the queue was full (rows or bytes).", func() float64 { return float64(r.Dropped()) })
	reg.CounterFunc("roster_provisioning_log_refused_total", "Provisioning log rows dropped because the store refused them.", func() float64 { return float64(r.Refused()) })
}

// RunReader reads when a maintenance task last ran.
type RunReader interface {
	LastRun(ctx context.Context, name string) (time.Time, string, error)
}

// scrapeTimeout bounds a read of the store at scrape time.
const scrapeTimeout = 2 * time.Second

// PrunerMetrics registers with reg the gauge of when the log pruner last ran,
// which st is asked at each scrape, with a short deadline: a failed read is
// logged to log and reads 0. It is served whether or not this server records
// the log, since any server's pruner keeps it short.
func PrunerMetrics(reg Registry, st RunReader, log *slog.Logger) {
	reg.GaugeFunc("roster_provisioning_log_pruner_last_run_timestamp_seconds", "When the provisioning log pruner last ran (Unix time; 0: never).", func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		defer cancel()
		at, _, err := st.LastRun(ctx, PrunerName)
		if err != nil {
			log.Warn("metrics: reading the store", "err", err)
			return 0
		}
		if at.IsZero() {
			return 0
		}
		return float64(at.Unix())
	})
}
