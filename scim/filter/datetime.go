package filter

import (
	"errors"
	"time"
)

// maxOffset is the largest time zone offset ParseDateTime accepts, 14:59:
// SQLite reads no offset past it and PostgreSQL none past 15:59; real zones
// span -12:00 to +14:00.
const maxOffset = 14*time.Hour + 59*time.Minute

// ParseDateTime parses s as a dateTime value (RFC 7643 §2.3.5) that both
// stores read and compare alike: RFC 3339 with a time zone, a year from 0001
// to 9999 both as written and in UTC, and an offset within ±14:59. Go reads
// more (year 0000, offsets to ±23:59), which PostgreSQL cannot cast to an
// instant and SQLite does not read as a date.
func ParseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, errors.New("want RFC 3339")
	}
	if _, off := t.Zone(); time.Duration(off)*time.Second > maxOffset || time.Duration(-off)*time.Second > maxOffset {
		return t, errors.New("time zone offset past ±14:59")
	}
	if y, u := t.Year(), t.UTC().Year(); y < 1 || u < 1 || u > 9999 {
		return t, errors.New("year outside 0001 to 9999 in UTC")
	}
	return t, nil
}
