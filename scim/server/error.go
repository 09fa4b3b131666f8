package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
	"github.com/rosterhq/roster/scim/schema"
)

// errorStatus maps each roster error code to the HTTP status and the RFC 7644
// §3.12 scimType of its response. It is the only place that does so.
var errorStatus = map[string]struct {
	status   int
	scimType string
}{
	roster.EINVALID:       {http.StatusBadRequest, "invalidValue"},
	roster.EINVALIDSYNTAX: {http.StatusBadRequest, "invalidSyntax"},
	roster.EINVALIDFILTER: {http.StatusBadRequest, "invalidFilter"},
	roster.EINVALIDPATH:   {http.StatusBadRequest, "invalidPath"},
	roster.EINVALIDCURSOR: {http.StatusBadRequest, "invalidCursor"},
	roster.ENOTARGET:      {http.StatusBadRequest, "noTarget"},
	roster.EMUTABILITY:    {http.StatusBadRequest, "mutability"},
	roster.ETOOMANY:       {http.StatusBadRequest, "tooMany"},
	roster.ENOTFOUND:      {http.StatusNotFound, ""},
	roster.ECONFLICT:      {http.StatusConflict, "uniqueness"},
	roster.ECIRCULAR:      {http.StatusConflict, "invalidValue"}, // RFC 7644 §3.7.1
	roster.EPRECONDITION:  {http.StatusPreconditionFailed, ""},
	roster.EUNAUTHORIZED:  {http.StatusUnauthorized, ""},
	roster.EFORBIDDEN:     {http.StatusForbidden, ""},
	roster.ETOOLARGE:      {http.StatusRequestEntityTooLarge, ""},
	roster.ERATELIMIT:     {http.StatusTooManyRequests, ""},
	roster.EUNAVAILABLE:   {http.StatusServiceUnavailable, ""},
	roster.EINTERNAL:      {http.StatusInternalServerError, ""},
}

// unavailableRetry is the Retry-After of a request that failed because the
// store could not be reached or was full: a PostgreSQL restart or failover
// takes a few seconds.
const unavailableRetry = 5 * time.Second

// scimTypeCode maps the scimType reported by the scim/* packages to a roster code.
var scimTypeCode = map[string]string{
	"invalidValue":  roster.EINVALID,
	"invalidSyntax": roster.EINVALIDSYNTAX,
	"invalidFilter": roster.EINVALIDFILTER,
	"invalidPath":   roster.EINVALIDPATH,
	"noTarget":      roster.ENOTARGET,
	"mutability":    roster.EMUTABILITY,
	"tooMany":       roster.ETOOMANY,
	"uniqueness":    roster.ECONFLICT,
}

// errorBody is the RFC 7644 §3.12 error response.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// asRoster turns the errors of the scim/* packages into roster errors, so that
// one table decides every response.
func asRoster(err error) error {
	var pe *patch.Error
	if errors.As(err, &pe) {
		return &roster.Error{Code: codeOf(pe.ScimType), Detail: pe.Error()}
	}
	var se *schema.Error
	if errors.As(err, &se) {
		return &roster.Error{Code: codeOf(se.ScimType), Detail: se.Error(), Attr: se.Attr}
	}
	// After patch: a patch error may wrap the filter error of its path.
	var fe *filter.Error
	if errors.As(err, &fe) {
		return &roster.Error{Code: roster.EINVALIDFILTER, Detail: fe.Error()}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return roster.Errorf(roster.ETOOLARGE, "request body larger than %d bytes", mbe.Limit)
	}
	return err
}

func codeOf(scimType string) string {
	if c, ok := scimTypeCode[scimType]; ok {
		return c
	}
	return roster.EINVALID
}

// writeError writes err as a SCIM error response. Internal causes are logged with
// the request id and never shown; every detail ends with the request id so that
// what an IdP's log shows leads to Roster's own log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = asRoster(err)
	code := roster.ErrorCode(err)
	m, ok := errorStatus[code]
	if !ok {
		code = roster.EINTERNAL
		m = errorStatus[code]
	}
	if op := opOf(r.Context()); op != nil {
		op.code, op.err = code, err
		if ref, ok := err.(*refusal); ok && ref.tenantID != "" {
			op.entry.TenantID = ref.tenantID
		}
	}
	var ref *refusal
	if errors.As(err, &ref) {
		s.refused(w, r, ref)
	}
	id := httpx.RequestID(r.Context())
	switch {
	case code == roster.EUNAVAILABLE && ref == nil:
		// The store cannot be reached or is full: the client retries later.
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(unavailableRetry)))
		s.log.Warn("store unavailable", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	case m.status >= 500 && ref == nil:
		s.log.Error("internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	detail := roster.ErrorDetail(err)
	if id != "" {
		detail += " (request " + id + ")"
	}
	if m.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	s.writeJSON(w, m.status, errorBody{
		Schemas:  []string{schema.ErrorURN},
		Status:   strconv.Itoa(m.status),
		ScimType: m.scimType,
		Detail:   detail,
	})
}

// logError records failures of background work that has no response to carry them.
func logError(log *slog.Logger, msg string, err error) {
	if err != nil {
		log.Error(msg, "err", err)
	}
}
