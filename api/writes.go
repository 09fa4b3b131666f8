package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/rosterhq/roster"
)

// UserWriter performs the app API's writes and its drift report;
// *admin.Service is one.
type UserWriter interface {
	CreateAppUser(ctx context.Context, tenantID string, doc map[string]any) (*roster.User, error)
	WriteAppAttributes(ctx context.Context, tenantID, id string, attrs map[string]any, version int64) (*roster.User, error)
	DriftReport(ctx context.Context, tenantID, after string, limit int) (*roster.DriftPage, error)
}

// maxBody bounds the body of a write.
const maxBody = 64 << 10

// writing admits the requests of a key with the write scope; a read key is
// refused with 403.
func (s *Server) writing(h http.HandlerFunc) http.Handler {
	return s.authenticate(func(w http.ResponseWriter, r *http.Request) {
		if !keyOf(r.Context()).Writes() {
			s.writeError(w, r, roster.Errorf(roster.EFORBIDDEN,
				"this API key reads only: writes take a key created with --scope write (roster apikey create)"))
			return
		}
		h(w, r)
	})
}

// createUser creates a user the app already had; the IdP adopts it.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, err := readObject(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.opts.Users.CreateAppUser(r.Context(), tenantID, doc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/users/"+u.ID)
	writeJSON(w, http.StatusCreated, newUser(tenantID, u))
}

// patchUser writes the attributes the tenant's policy gives the app.
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var version int64
	if v := r.Header.Get("If-Match"); v != "" {
		if version, err = strconv.ParseInt(v, 10, 64); err != nil || version < 1 {
			s.writeError(w, r, roster.Errorf(roster.EINVALID, "If-Match: want the user's version, a positive integer"))
			return
		}
	}
	attrs, err := readObject(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.opts.Users.WriteAppAttributes(r.Context(), tenantID, r.PathValue("id"), attrs, version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newUser(tenantID, u))
}

// drift lists the attributes whose app value differs from the IdP's.
func (s *Server) drift(w http.ResponseWriter, r *http.Request) {
	tenantID, err := s.tenantParam(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := limitParam(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.opts.Users.DriftReport(r.Context(), tenantID, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := page[Drift]{Data: make([]Drift, len(p.Drift)), NextCursor: p.Next}
	for i, d := range p.Drift {
		out.Data[i] = Drift(d)
	}
	writeJSON(w, http.StatusOK, out)
}

// readObject decodes a write's body: one JSON object of at most maxBody bytes.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, roster.Errorf(roster.ETOOLARGE, "the body is larger than %d bytes", maxBody)
		}
		return nil, roster.Errorf(roster.EINVALID, "the body must be a JSON object")
	}
	if doc == nil {
		return nil, roster.Errorf(roster.EINVALID, "the body must be a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, roster.Errorf(roster.EINVALID, "text after the JSON object")
	}
	return doc, nil
}

// unavailable answers the writes of a server wired without a UserWriter.
type unavailable struct{}

var errNoWrites = roster.Errorf(roster.EUNAVAILABLE, "this server takes no writes on the app API")

func (unavailable) CreateAppUser(context.Context, string, map[string]any) (*roster.User, error) {
	return nil, errNoWrites
}

func (unavailable) WriteAppAttributes(context.Context, string, string, map[string]any, int64) (*roster.User, error) {
	return nil, errNoWrites
}

func (unavailable) DriftReport(context.Context, string, string, int) (*roster.DriftPage, error) {
	return nil, errNoWrites
}
