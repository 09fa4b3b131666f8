package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/provlog"
)

// provisioningLog serves GET /provisioning-log?tenant=&since=&action=&status=&user=&request=&cursor=&limit=&format=:
// the provisioning log, newest first (oldest first with user=), as a JSON
// page, NDJSON or CSV.
func (s *Server) provisioningLog(w http.ResponseWriter, r *http.Request) {
	q, format, err := s.logQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	es, err := s.store.Log(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows := make([]provlog.Row, len(es))
	for i, e := range es {
		rows[i] = provlog.NewRow(e)
	}
	switch format {
	case provlog.NDJSON, provlog.CSV:
		w.Header().Set("Content-Type", provlog.ContentType(format))
		x, _ := provlog.NewWriter(w, format) // format is one of the two
		for _, row := range rows {
			_ = x.Write(row) // the client may have gone
		}
		_ = x.Flush()
	default:
		p := page[provlog.Row]{Data: rows}
		if len(es) == q.Limit {
			p.NextCursor = strconv.FormatInt(es[len(es)-1].ID, 10)
		}
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) logQuery(r *http.Request) (roster.LogQuery, string, error) {
	v := r.URL.Query()
	q := roster.LogQuery{Action: v.Get("action"), User: v.Get("user"), RequestID: v.Get("request"), Limit: 100}
	var err error
	if q.TenantID, err = s.tenantParam(r, false); err != nil {
		return q, "", err
	}
	if since := v.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339, since)
		if err != nil {
			d, derr := time.ParseDuration(since)
			if derr != nil {
				return q, "", roster.Errorf(roster.EINVALID, "since: want an RFC 3339 time or a duration such as 24h, got %q", since)
			}
			t = s.opts.Clock().Add(-d)
		}
		q.Since = t
	}
	if st := v.Get("status"); st != "" {
		if len(st) != 3 || !strings.HasSuffix(strings.ToLower(st), "xx") || st[0] < '1' || st[0] > '5' {
			return q, "", roster.Errorf(roster.EINVALID, "status: want a class such as 4xx, got %q", st)
		}
		q.StatusClass = int(st[0] - '0')
	}
	if q.Limit, err = limitParam(v); err != nil {
		return q, "", err
	}
	q.Oldest = q.User != ""
	if c := v.Get("cursor"); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			return q, "", roster.Errorf(roster.EINVALID, "cursor: %q is not a cursor of this list", c)
		}
		if q.Oldest {
			q.After = id
		} else {
			q.Before = id
		}
	}
	format := v.Get("format")
	switch format {
	case "", "json", "ndjson", "csv":
	default:
		return q, "", roster.Errorf(roster.EINVALID, "format: want json, ndjson or csv, got %q", format)
	}
	return q, format, nil
}
