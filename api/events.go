package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/client"
)

// Event is an event as the app API and webhooks send it.
type Event struct {
	ID           string          `json:"id"`
	Cursor       string          `json:"cursor"`
	Type         string          `json:"type"`
	Tenant       string          `json:"tenant"`
	OccurredAt   time.Time       `json:"occurred_at"`
	ResourceType string          `json:"resource_type"`
	ResourceID   string          `json:"resource_id"`
	Resource     json.RawMessage `json:"resource,omitempty"`
	// Previous holds, for updates, the previous values of the attributes that
	// changed (null for one that was absent).
	Previous json.RawMessage `json:"previous,omitempty"`
	// Members are the member ids of a membership event's batch.
	Members json.RawMessage `json:"members,omitempty"`
	// App is, in user events, the user's entitlements after the change.
	App *client.Entitlements `json:"app,omitempty"`
	// Retired marks the user.deleted event of a user the tenant's policy keeps, deactivated.
	Retired bool `json:"retired,omitempty"`
}

// payload is the stored form of an event's body.
type payload struct {
	Resource json.RawMessage      `json:"resource"`
	Previous json.RawMessage      `json:"previous"`
	Members  json.RawMessage      `json:"members"`
	App      *roster.Entitlements `json:"app"`
	Retired  bool                 `json:"retired"`
}

// NewEvent returns the API form of a stored event.
func NewEvent(e *roster.Event) (*Event, error) {
	var p payload
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return nil, err
	}
	ae := &Event{
		ID: e.ID, Cursor: strconv.FormatInt(e.Seq, 10), Type: e.Type, Tenant: e.TenantID, OccurredAt: e.Time.UTC(),
		ResourceType: e.ResourceType, ResourceID: e.ResourceID,
		Resource: p.Resource, Previous: p.Previous, Members: p.Members, Retired: p.Retired,
	}
	if p.App != nil {
		app := client.Entitlements(*p.App)
		ae.App = &app
	}
	return ae, nil
}

// eventPage is the body of GET /events.
type eventPage struct {
	Data       []*Event `json:"data"`
	NextCursor string   `json:"next_cursor"`
}

// events serves GET /events?after=CURSOR&limit=N&tenant=T&types=a,b&wait=SECONDS:
// the events after the cursor, oldest first; with wait, it holds the request
// until an event comes or the wait is over.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q, wait, err := s.eventQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	through, err := s.store.PrunedThrough(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if q.After < through && r.URL.Query().Get("after") != "" {
		s.writeError(w, r, gone(q.After, through, s.opts.Retention))
		return
	}
	if wait > 0 {
		done, err := s.admitPoll(keyOf(r.Context()).ID)
		if err != nil {
			w.Header().Set("Retry-After", "1")
			s.writeError(w, r, err)
			return
		}
		defer done()
		// The answer comes after the wait: its write deadline is the
		// listener's write timeout after the wait, not after the request.
		err = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(wait + s.opts.WriteTimeout))
		if err != nil && !errors.Is(err, http.ErrNotSupported) {
			s.writeError(w, r, err)
			return
		}
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		// Take the wake-up channel before reading, so that a write between the
		// read and the wait is not missed.
		woken := s.opts.Notify.C()
		es, err := s.store.Events(r.Context(), q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if len(es) > 0 || wait <= 0 {
			s.writeEvents(w, r, es, q.After)
			return
		}
		poll := time.NewTimer(s.opts.Poll)
		select {
		case <-woken:
		case <-poll.C:
		case <-deadline.C:
			wait = 0
		case <-r.Context().Done():
			poll.Stop()
			return
		}
		poll.Stop()
	}
}

// admitPoll counts a long poll of the API key keyID, and returns the function
// that ends it. ERATELIMIT when the key holds Options.MaxPolls already: each
// holds a goroutine and wakes on every write, and a client needs one.
func (s *Server) admitPoll(keyID string) (done func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.polls[keyID] >= s.opts.MaxPolls {
		return nil, roster.Errorf(roster.ERATELIMIT, "this API key is waiting on %d long polls already, the most it may: wait for one to end (a client needs one at a time)", s.opts.MaxPolls)
	}
	s.polls[keyID]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.polls[keyID]--; s.polls[keyID] == 0 {
			delete(s.polls, keyID)
		}
	}, nil
}

func (s *Server) writeEvents(w http.ResponseWriter, r *http.Request, es []*roster.Event, after int64) {
	page := eventPage{Data: make([]*Event, 0, len(es)), NextCursor: strconv.FormatInt(after, 10)}
	for _, e := range es {
		ae, err := NewEvent(e)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		page.Data = append(page.Data, ae)
		page.NextCursor = ae.Cursor
	}
	writeJSON(w, http.StatusOK, page)
}

// eventQuery reads the parameters of GET /events.
func (s *Server) eventQuery(r *http.Request) (roster.EventQuery, time.Duration, error) {
	v := r.URL.Query()
	q := roster.EventQuery{Limit: 100}
	var err error
	if q.TenantID, err = s.tenantParam(r, false); err != nil {
		return q, 0, err
	}
	if a := v.Get("after"); a != "" {
		if q.After, err = strconv.ParseInt(a, 10, 64); err != nil || q.After < 0 {
			return q, 0, roster.Errorf(roster.EINVALID, "after: %q is not a cursor (use next_cursor of the previous page, or omit it to start at the oldest event)", a)
		}
	}
	if q.Limit, err = limitParam(v); err != nil {
		return q, 0, err
	}
	if t := v.Get("types"); t != "" {
		for _, typ := range strings.Split(t, ",") {
			typ = strings.TrimSpace(typ)
			if !slices.Contains(roster.EventTypes, typ) {
				return q, 0, roster.Errorf(roster.EINVALID, "types: unknown event type %q", typ)
			}
			q.Types = append(q.Types, typ)
		}
	}
	var wait time.Duration
	if ws := v.Get("wait"); ws != "" {
		n, err := strconv.Atoi(ws)
		if err != nil || n < 0 {
			return q, 0, roster.Errorf(roster.EINVALID, "wait: want whole seconds, got %q", ws)
		}
		wait = min(time.Duration(n)*time.Second, s.opts.MaxWait)
	}
	return q, wait, nil
}
