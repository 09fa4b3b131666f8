package doctor

import (
	"fmt"
	"time"
)

const day = 24 * time.Hour

// Retentions shorter than shortRetention or longer than longRetention are
// warned about.
const (
	shortRetention = 7 * day
	longRetention  = 400 * day
)

// checkRetention checks how long events, provisioning log rows and deleted
// users are kept: a week at least, so that a weekend's outage or mistake is
// still seen and undone; a little over a year at most, so that the database
// does not grow for ever (and erasure requests are honoured).
func (d *Doctor) checkRetention() []Result {
	return []Result{
		retention("event retention", d.cfg.EventRetention, "--event-retention", "ROSTER_EVENT_RETENTION",
			"an app or webhook endpoint away for longer misses the events it has not read"),
		retention("log retention", d.cfg.LogRetention, "--log-retention", "ROSTER_LOG_RETENTION",
			"the provisioning log forgets what IdPs sent before then, the first thing to read when provisioning goes wrong"),
		retention("restore retention", d.cfg.RestoreRetention, "--restore-retention", "ROSTER_RESTORE_RETENTION",
			"a user or group deleted by mistake can be restored only this long"),
	}
}

// retention judges one retention setting; short says what a short one costs.
func retention(name string, d time.Duration, flag, env, short string) Result {
	r := Result{Name: name, Detail: days(d)}
	switch {
	case d <= 0:
		r.Verdict, r.Detail = Fail, "not set: nothing is pruned and the database grows for ever"
		r.Fix = fmt.Sprintf("set %s 30d (env %s)", flag, env)
	case d < shortRetention:
		r.Verdict, r.Detail = Warn, days(d)+" is short: "+short
		r.Fix = fmt.Sprintf("set %s 30d (env %s), or at least 7d", flag, env)
	case d > longRetention:
		r.Verdict, r.Detail = Warn, days(d)+" is long: the rows are kept, and the database grows, for all that time"
		r.Fix = fmt.Sprintf("set %s 30d (env %s), or what your retention policy requires", flag, env)
	}
	return r
}

// days prints a duration in days when it is a whole number of them.
func days(d time.Duration) string {
	if d > 0 && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}
