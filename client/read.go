package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// User is a provisioned person. These types are the app API's wire format:
// Roster's server renders them, so that the two never drift apart.
type User struct {
	ID          string         `json:"id"`
	Tenant      string         `json:"tenant"`
	UserName    string         `json:"user_name"`
	ExternalID  string         `json:"external_id,omitempty"`
	DisplayName string         `json:"display_name,omitempty"`
	Active      bool           `json:"active"`
	Emails      []Email        `json:"emails"`
	Groups      []GroupRef     `json:"groups"`
	Version     int64          `json:"version"`
	Created     time.Time      `json:"created"`
	Modified    time.Time      `json:"modified"`
	SCIM        map[string]any `json:"scim"` // the SCIM document as the IdP wrote it
	// App is the user's state in the app under the tenant's policy.
	App Entitlements `json:"app"`
	// Retired is when a DELETE retired the user (a tenant policy may keep
	// deleted users, deactivated); nil for a live user. Only a read by id
	// returns retired users.
	Retired *time.Time `json:"retired,omitempty"`
	// AwaitingAdoption marks a user the app created (POST /users, roster
	// user import) that the IdP has not written yet; its first write adopts
	// the user (user.adopted).
	AwaitingAdoption bool `json:"awaiting_adoption,omitempty"`
	// IdP holds, by attribute path, the IdP's last value of each attribute
	// the tenant's policy kept from it (null: the IdP sent none).
	IdP map[string]any `json:"idp,omitempty"`
}

// Entitlements are what the tenant's policy makes of a user's roles and
// active flag (see docs/policy.md).
type Entitlements struct {
	// Active: the user may use the app (SCIM active, and the role the policy
	// requires for it, if any).
	Active     bool     `json:"active"`
	Licenses   []string `json:"licenses,omitempty"`
	AccessRole string   `json:"access_role,omitempty"` // empty: app sign-in only
	Roles      []string `json:"roles,omitempty"`       // roles no policy rule maps
}

// Email is one of a user's addresses.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary"`
}

// GroupRef names a group a user belongs to directly.
type GroupRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
}

// Group is a provisioned group; Members lists its members.
type Group struct {
	ID          string         `json:"id"`
	Tenant      string         `json:"tenant"`
	DisplayName string         `json:"display_name"`
	ExternalID  string         `json:"external_id,omitempty"`
	Version     int64          `json:"version"`
	Created     time.Time      `json:"created"`
	Modified    time.Time      `json:"modified"`
	SCIM        map[string]any `json:"scim"`
}

// Member is a member of a group: a user or a group.
type Member struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Display string `json:"display"`
}

// UserFilter narrows Users; empty fields match everything.
type UserFilter struct {
	Active     *bool
	Email      string
	ExternalID string
}

// User reads one user of the tenant (an id or a name; "" for the key's own tenant).
func (c *Client) User(ctx context.Context, tenant, id string) (*User, error) {
	var u User
	if err := c.get(ctx, "/users/"+url.PathEscape(id), tenantQuery(tenant), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// UserGroups lists the groups a user belongs to directly.
func (c *Client) UserGroups(ctx context.Context, tenant, id string) ([]GroupRef, error) {
	var p struct {
		Data []GroupRef `json:"data"`
	}
	if err := c.get(ctx, "/users/"+url.PathEscape(id)+"/groups", tenantQuery(tenant), &p); err != nil {
		return nil, err
	}
	return p.Data, nil
}

// Users iterates over the tenant's users that match f, oldest first.
func (c *Client) Users(ctx context.Context, tenant string, f UserFilter) iter.Seq2[*User, error] {
	q := tenantQuery(tenant)
	if f.Active != nil {
		q.Set("active", map[bool]string{true: "true", false: "false"}[*f.Active])
	}
	if f.Email != "" {
		q.Set("email", f.Email)
	}
	if f.ExternalID != "" {
		q.Set("externalId", f.ExternalID)
	}
	return pages[*User](ctx, c, "/users", q)
}

// Group reads one group.
func (c *Client) Group(ctx context.Context, tenant, id string) (*Group, error) {
	var g Group
	if err := c.get(ctx, "/groups/"+url.PathEscape(id), tenantQuery(tenant), &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// Groups iterates over the tenant's groups, oldest first.
func (c *Client) Groups(ctx context.Context, tenant string) iter.Seq2[*Group, error] {
	return pages[*Group](ctx, c, "/groups", tenantQuery(tenant))
}

// Members iterates over a group's members, ordered by id.
func (c *Client) Members(ctx context.Context, tenant, groupID string) iter.Seq2[Member, error] {
	return pages[Member](ctx, c, "/groups/"+url.PathEscape(groupID)+"/members", tenantQuery(tenant))
}

func tenantQuery(tenant string) url.Values {
	q := url.Values{}
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	return q
}

// pages iterates over a cursor-paged list.
func pages[T any](ctx context.Context, c *Client, path string, q url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			var p struct {
				Data       []T    `json:"data"`
				NextCursor string `json:"next_cursor"`
			}
			if err := c.get(ctx, path, q, &p); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, v := range p.Data {
				if !yield(v, nil) {
					return
				}
			}
			if p.NextCursor == "" {
				return
			}
			q.Set("cursor", p.NextCursor)
		}
	}
}

// CreateUser creates, with an API key of the write scope, a user the app
// already had from its SCIM document (userName required; emails, name,
// externalId…). The IdP's lookup by userName finds it and its first write
// adopts it (user.adopted) rather than creating a twin.
func (c *Client) CreateUser(ctx context.Context, tenant string, doc map[string]any) (*User, error) {
	var u User
	if err := c.send(ctx, http.MethodPost, "/users", tenantQuery(tenant), doc, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// SetAttributes writes, with an API key of the write scope, attributes the
// tenant's policy gives the app ("attributes": {"department": "app"}); a nil
// value removes one.
func (c *Client) SetAttributes(ctx context.Context, tenant, id string, attrs map[string]any) (*User, error) {
	var u User
	if err := c.send(ctx, http.MethodPatch, "/users/"+url.PathEscape(id), tenantQuery(tenant), attrs, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// Drift is an attribute of a user whose value in the app differs from what
// the IdP last sent (see Client.Drift).
type Drift struct {
	UserID    string `json:"user_id"`
	UserName  string `json:"user_name"`
	Attribute string `json:"attribute"`
	Mode      string `json:"mode"` // app or create-only
	App       any    `json:"app"`
	IdP       any    `json:"idp"`
}

// Drift iterates over the tenant's drift report: the attributes the policy
// gives the app or takes at create only whose value differs from the IdP's.
func (c *Client) Drift(ctx context.Context, tenant string) iter.Seq2[Drift, error] {
	return pages[Drift](ctx, c, "/drift", tenantQuery(tenant))
}
