package policy

// Registry is where metrics are registered: the process's registry
// (internal/metrics), by the two methods the recomputer's metrics use.
type Registry interface {
	CounterFunc(name, help string, fn func() float64)
	GaugeFunc(name, help string, fn func() float64)
}

// Metrics registers the recomputer's numbers with reg: the users it
// recomputed, those whose entitlements changed, and those it has left to do.
func (rc *Recomputer) Metrics(reg Registry) {
	reg.CounterFunc("roster_policy_recompute_users_total", "Users whose entitlements this server recomputed after a policy change.",
		func() float64 { return float64(rc.Users()) })
	reg.CounterFunc("roster_policy_recompute_changed_total", "Users whose entitlements a recomputation by this server changed.",
		func() float64 { return float64(rc.Changed()) })
	reg.GaugeFunc("roster_policy_recompute_pending_users", "Users the recomputation this server runs has left to do.",
		func() float64 { return float64(rc.Pending()) })
}
