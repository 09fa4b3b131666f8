package admin

import (
	"context"

	"github.com/rosterhq/roster"
)

// CreateClient registers an OAuth client of the host app with Roster's
// OpenID Provider: name is a label to tell clients apart, redirectURIs the
// app's (compared exactly, but for the port of a public client's loopback
// URI). A public client — a native or mobile app — has no secret and must use
// PKCE; a confidential one gets a secret, returned here and never again (only
// its hash is stored). EINVALID without a redirect URI, or for one
// roster.CheckRedirectURI refuses.
func (s *Service) CreateClient(ctx context.Context, name string, redirectURIs []string, public bool) (string, *roster.OAuthClient, error) {
	if len(redirectURIs) == 0 {
		return "", nil, roster.Errorf(roster.EINVALID, "an OAuth client needs a redirect URI")
	}
	for _, u := range redirectURIs {
		if err := roster.CheckRedirectURI(u, public); err != nil {
			return "", nil, err
		}
	}
	c := &roster.OAuthClient{Name: name, RedirectURIs: redirectURIs, Public: public}
	var secret string
	if !public {
		secret, c.Hash = roster.NewClientSecret()
	}
	if err := s.store.CreateOAuthClient(ctx, c); err != nil {
		return "", nil, err
	}
	return secret, c, s.audit(ctx, change{action: "client.create", target: c.ID, after: clientStateOf(c)})
}

// Clients lists every OAuth client, live or revoked, newest first.
func (s *Service) Clients(ctx context.Context) ([]*roster.OAuthClient, error) {
	return s.store.OAuthClients(ctx)
}

// RevokeClient revokes the OAuth client id: the app can no longer sign
// people in with it or redeem its codes. Revoking it again keeps the first
// time. ENOTFOUND.
func (s *Service) RevokeClient(ctx context.Context, id string) error {
	c, err := s.store.OAuthClient(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.RevokeOAuthClient(ctx, id); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "client.revoke", target: id, before: clientStateOf(c)})
}

// clientState is what the audit trail records of an OAuth client: never its
// secret or hash.
type clientState struct {
	Name         string   `json:"name,omitempty"`
	RedirectURIs []string `json:"redirect_uris"`
	Public       bool     `json:"public"`
}

func clientStateOf(c *roster.OAuthClient) clientState {
	return clientState{Name: c.Name, RedirectURIs: c.RedirectURIs, Public: c.Public}
}
