// Package client is a Go client of Roster's app API for host applications:
// it follows the events feed from a stored cursor, reads the provisioned users
// and groups, and verifies webhook deliveries. It depends on the standard
// library only, so that a host application takes none of Roster's server code.
//
//	c := client.New("https://id.example.com", os.Getenv("ROSTER_API_KEY"))
//	for e, err := range c.Events(ctx, loadCursor(), client.EventOptions{}) {
//		if err != nil { ... }
//		apply(e)           // make the change in the app
//		saveCursor(e.Cursor) // then remember how far the app got
//	}
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one Roster's app API with one API key.
type Client struct {
	base   string // e.g. https://id.example.com (without /api/v1)
	apiKey string
	// HTTP is the client requests go through. Its timeout must exceed the long
	// poll of Events (EventOptions.Wait); the default has none and relies on contexts.
	HTTP *http.Client
}

// New returns a client of the Roster at baseURL (its public URL, e.g.
// "https://id.example.com") using apiKey ("rak_…").
func New(baseURL, apiKey string) *Client {
	return &Client{base: strings.TrimSuffix(baseURL, "/"), apiKey: apiKey, HTTP: &http.Client{}}
}

// Error is an error answered by the API.
type Error struct {
	Status  int    // HTTP status
	Code    string // e.g. "unauthorized", "notfound", "gone"
	Message string // ends with the request id
}

func (e *Error) Error() string {
	return fmt.Sprintf("roster: %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrCursorGone is matched (errors.Is) by the error of a cursor older than the
// events Roster keeps: re-read the users and groups, then follow the feed from
// a fresh cursor.
var ErrCursorGone = errors.New("roster: the cursor is older than the retained events")

// Is makes errors.Is(err, ErrCursorGone) true for a 410.
func (e *Error) Is(target error) bool {
	return target == ErrCursorGone && e.Status == http.StatusGone
}

// get sends GET /api/v1/path?query and decodes the JSON answer into v.
func (c *Client) get(ctx context.Context, path string, query url.Values, v any) error {
	return c.send(ctx, http.MethodGet, path, query, nil, v)
}

// send sends method /api/v1/path?query with in (when not nil) as its JSON
// body and decodes the JSON answer into v.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, in, v any) error {
	u := c.base + "/api/v1" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var reqBody io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		reqBody = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, reqBody)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(body, &e) // a body that is not ours leaves the fields empty
		return &Error{Status: res.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	return json.Unmarshal(body, v)
}

// Event types, as Event.Type names them.
const (
	UserCreated = "user.created"
	// UserAdopted: the IdP's first write reached a user the app created
	// (CreateUser); from then on the IdP manages it.
	UserAdopted         = "user.adopted"
	UserUpdated         = "user.updated"
	UserDeactivated     = "user.deactivated"
	UserReactivated     = "user.reactivated"
	UserDeleted         = "user.deleted"
	UserRestored        = "user.restored"
	GroupCreated        = "group.created"
	GroupUpdated        = "group.updated"
	GroupDeleted        = "group.deleted"
	GroupRestored       = "group.restored"
	GroupMembersAdded   = "group.members_added"
	GroupMembersRemoved = "group.members_removed"
	ProvisioningHeld    = "provisioning.held"
)

// Event is one change, oldest first in the feed.
type Event struct {
	ID           string          `json:"id"`
	Cursor       string          `json:"cursor"` // store it once the event is handled; resume after it
	Type         string          `json:"type"`   // user.created, user.updated, user.deactivated, …
	Tenant       string          `json:"tenant"`
	OccurredAt   time.Time       `json:"occurred_at"`
	ResourceType string          `json:"resource_type"` // User, Group, or Tenant (provisioning.held)
	ResourceID   string          `json:"resource_id"`
	Resource     json.RawMessage `json:"resource"`           // the resource after the change (its SCIM document with id)
	Previous     json.RawMessage `json:"previous,omitempty"` // for updates: previous values of what changed
	Members      []string        `json:"members,omitempty"`  // for membership events: the member ids of the batch
	App          *Entitlements   `json:"app,omitempty"`      // for user events: the user's state in the app after the change
	Retired      bool            `json:"retired,omitempty"`  // user.deleted of a user the tenant's policy keeps, deactivated
}

// EventOptions narrows and paces the feed.
type EventOptions struct {
	Tenant string   // a tenant id or name; required by nothing, allowed for keys of every tenant
	Types  []string // only these event types
	// Wait is how long one request waits for new events (default 30s); with
	// Follow false, Events ends at the end of the feed instead.
	Wait   time.Duration
	Follow bool
	Limit  int // events per request (default 100)
}

// Events iterates over the events after cursor ("" for the oldest retained).
// With opts.Follow it long-polls for new ones until ctx ends; otherwise it
// stops at the end of the feed. An error ends the iteration after it is yielded.
func (c *Client) Events(ctx context.Context, cursor string, opts EventOptions) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		q := url.Values{}
		if opts.Tenant != "" {
			q.Set("tenant", opts.Tenant)
		}
		if len(opts.Types) > 0 {
			q.Set("types", strings.Join(opts.Types, ","))
		}
		if opts.Limit > 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
		wait := opts.Wait
		if wait <= 0 {
			wait = 30 * time.Second
		}
		for {
			if cursor != "" {
				q.Set("after", cursor)
			}
			if opts.Follow {
				q.Set("wait", strconv.Itoa(int(wait.Seconds())))
			}
			var page struct {
				Data       []*Event `json:"data"`
				NextCursor string   `json:"next_cursor"`
			}
			if err := c.get(ctx, "/events", q, &page); err != nil {
				yield(nil, err)
				return
			}
			for _, e := range page.Data {
				if !yield(e, nil) {
					return
				}
			}
			cursor = page.NextCursor
			if len(page.Data) == 0 && !opts.Follow {
				return
			}
			if ctx.Err() != nil {
				yield(nil, ctx.Err())
				return
			}
		}
	}
}
