package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Names of the checks of the database.
const (
	nameDatabase = "database"
	nameClock    = "clock"
)

// maxPendingListed bounds the migration versions a result names.
const maxPendingListed = 5

// checkDatabase checks that the database is reachable and lacks no
// migration, and opens it when so; the returned Database is nil otherwise.
func (d *Doctor) checkDatabase(ctx context.Context) (Result, Database) {
	r := Result{Name: nameDatabase}
	pending, err := d.db.Pending(ctx)
	switch {
	case roster.ErrorCode(err) == roster.ENOTFOUND:
		r.Verdict, r.Detail = Fail, err.Error()
		r.Fix = "check --db (env ROSTER_DB), the same as roster serve's; or create the database with roster migrate"
		return r, nil
	case err != nil:
		r.Verdict, r.Detail = Fail, "unreachable: "+err.Error()
		r.Fix = "check --db (env ROSTER_DB), the same as roster serve's, and that the database server runs and admits this machine"
		return r, nil
	case len(pending) > 0:
		r.Verdict, r.Detail = Fail, fmt.Sprintf("lacks %d migration(s) of this roster (%s): servers of this version refuse to be ready", len(pending), versions(pending))
		r.Fix = "roster migrate, with the same --db (env ROSTER_DB); or start roster serve, which migrates as it starts"
		return r, nil
	}
	db, err := d.db.Open(ctx)
	if err != nil {
		r.Verdict, r.Detail = Fail, "cannot open it: "+err.Error()
		r.Fix = "check --db (env ROSTER_DB), the same as roster serve's"
		return r, nil
	}
	r.Detail = "reachable, no migration pending"
	return r, db
}

// versions lists the first few versions of vs.
func versions(vs []int64) string {
	var parts []string
	for i, v := range vs {
		if i == maxPendingListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(vs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%05d", v))
	}
	return strings.Join(parts, ", ")
}

// Clock skews past which the clock check warns and fails.
const (
	warnSkew = 5 * time.Second
	failSkew = 2 * time.Minute
)

// checkClock compares this machine's clock with the database's. Roster
// stamps tokens, sessions, authorization codes and used SAML assertion ids
// by one and compares them by the other across instances, and IdPs' SAML
// assertions are valid for a few minutes: clocks a few seconds apart expire
// them early or late.
func (d *Doctor) checkClock(ctx context.Context, db Database) Result {
	r := Result{Name: nameClock}
	before := d.now()
	theirs, err := db.DatabaseTime(ctx)
	after := d.now()
	if err != nil {
		r.Verdict, r.Detail = Fail, "cannot read the database's clock: "+err.Error()
		return r
	}
	skew := theirs.Sub(before.Add(after.Sub(before) / 2))
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	r.Detail = fmt.Sprintf("the database's clock is %s from this machine's", skew.Round(time.Millisecond))
	const fix = "synchronise both machines' clocks with NTP (timedatectl set-ntp true, or chrony)"
	switch {
	case abs > failSkew:
		r.Verdict, r.Fix = Fail, fix
		r.Detail += ": SAML assertions, sign-in codes and sessions expire early or late by as much"
	case abs > warnSkew:
		r.Verdict, r.Fix = Warn, fix
		r.Detail += ": tokens, sessions and SAML assertions are judged by both clocks"
	}
	return r
}
