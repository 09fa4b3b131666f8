package policy

import "testing"

// registry records the metrics registered with it, by name.
type registry map[string]string

func (r registry) CounterFunc(name, help string, fn func() float64) { r[name] = "counter " + help }
func (r registry) GaugeFunc(name, help string, fn func() float64)   { r[name] = "gauge " + help }

// TestRecomputerMetrics checks the names, kinds and help texts the
// recomputer's metrics are served under.
func TestRecomputerMetrics(t *testing.T) {
	reg := registry{}
	NewRecomputer(nil, RecomputeOptions{}).Metrics(reg)
	want := registry{
		"roster_policy_recompute_users_total":   "counter Users whose entitlements this server recomputed after a policy change.",
		"roster_policy_recompute_changed_total": "counter Users whose entitlements a recomputation by this server changed.",
		"roster_policy_recompute_pending_users": "gauge Users the recomputation this server runs has left to do.",
	}
	if len(reg) != len(want) {
		t.Errorf("registered %v, want %v", reg, want)
	}
	for name, w := range want {
		if reg[name] != w {
			t.Errorf("%s: %q, want %q", name, reg[name], w)
		}
	}
}
