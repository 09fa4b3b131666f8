package doctor

import (
	"fmt"
	"net"
)

const nameAdmin = "admin listener"

// checkAdminListener warns when the admin listener is reachable from other
// machines: its /metrics and health checks (and /debug/pprof with --pprof)
// answer without authentication. Off or on a loopback address is ok.
func (d *Doctor) checkAdminListener() Result {
	r := Result{Name: nameAdmin}
	addr := d.cfg.AdminAddr
	if addr == "" {
		r.Detail = "off"
		return r
	}
	served := "/metrics, /livez and /readyz"
	if d.cfg.Pprof {
		served = "/metrics, /debug/pprof, /livez and /readyz"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		r.Verdict, r.Detail = Fail, fmt.Sprintf("%q: %v", addr, err)
		r.Fix = "set --admin-addr 127.0.0.1:8079 (env ROSTER_ADMIN_ADDR), or off"
		return r
	}
	if loopback(host) {
		r.Detail = addr + ": this machine only"
		return r
	}
	r.Verdict = Warn
	where := "on " + host + ", reachable from other machines"
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		where = "on every interface"
	}
	r.Detail = fmt.Sprintf("%s listens %s: %s answer without authentication", addr, where, served)
	r.Fix = "set --admin-addr 127.0.0.1:8079 (env ROSTER_ADMIN_ADDR), or off, and let Prometheus scrape through a private network or a firewall rule that admits only it"
	return r
}
