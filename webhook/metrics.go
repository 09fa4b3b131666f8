package webhook

import (
	"context"
	"time"
)

// Registry is where metrics are registered: the process's registry
// (internal/metrics), by the method the relay's metrics use.
type Registry interface {
	GaugeFunc(name, help string, fn func() float64)
}

// scrapeTimeout bounds a read of the store at scrape time.
const scrapeTimeout = 2 * time.Second

// Metrics registers with reg the gauges of how far delivery is behind: the
// newest event's seq, and how many events the furthest-behind active
// endpoint has yet to acknowledge. The store is read at each scrape, with a
// short deadline; a failed read is logged.
func (rl *Relay) Metrics(reg Registry) {
	reg.GaugeFunc("roster_outbox_last_seq", "The seq of the newest event in the outbox.",
		rl.scrape(func(ctx context.Context) (float64, error) {
			seq, err := rl.store.LastEventSeq(ctx)
			return float64(seq), err
		}))
	reg.GaugeFunc("roster_webhook_backlog_events", "Events the furthest-behind active webhook has yet to acknowledge.",
		rl.scrape(func(ctx context.Context) (float64, error) {
			last, err := rl.store.LastEventSeq(ctx)
			if err != nil {
				return 0, err
			}
			ws, err := rl.store.Webhooks(ctx)
			var behind int64
			for _, w := range ws {
				if w.Failed.IsZero() {
					behind = max(behind, last-w.Cursor)
				}
			}
			return float64(behind), err
		}))
}

// scrape turns a read of the store into a gauge's function.
func (rl *Relay) scrape(read func(ctx context.Context) (float64, error)) func() float64 {
	return func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		defer cancel()
		v, err := read(ctx)
		if err != nil {
			rl.opts.Logger.Warn("metrics: reading the store", "err", err)
		}
		return v
	}
}
