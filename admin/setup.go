package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Bounds of setup links and of the session a redemption starts: the session
// ends after SetupSessionIdle without a request, and SetupSessionAbsolute
// after the redemption whatever happens.
const (
	DefaultSetupLinkTTL  = 72 * time.Hour
	MaxSetupLinkTTL      = 30 * 24 * time.Hour
	SetupSessionIdle     = 2 * time.Hour
	SetupSessionAbsolute = 12 * time.Hour
)

// setupMark starts every setup link's secret, so that people and scanners
// can tell what it is.
const setupMark = "rsl_"

// SetupPath is the path of the setup pages; a link is SetupPath with its
// secret as the query parameter "link" (SetupURL).
const SetupPath = "/setup"

// SetupURL is the link to send a customer for the secret: under the public
// URL, the secret in the query, which Roster's access log leaves out.
func SetupURL(publicURL, secret string) string {
	return strings.TrimSuffix(publicURL, "/") + SetupPath + "?" + url.Values{"link": {secret}}.Encode()
}

// CreateSetupLink makes a setup link to the tenant idOrName for scopes (none:
// roster.DefaultSetupScopes), living ttl (0: DefaultSetupLinkTTL), and returns its secret —
// shown once, never stored — and the link. ENOTFOUND; EINVALID for an unknown
// scope or a ttl out of bounds.
func (s *Service) CreateSetupLink(ctx context.Context, idOrName string, ttl time.Duration, scopes []string) (string, *roster.SetupLink, error) {
	if ttl == 0 {
		ttl = DefaultSetupLinkTTL
	}
	if ttl < time.Minute || ttl > MaxSetupLinkTTL {
		return "", nil, roster.Errorf(roster.EINVALID, "a setup link lives from a minute to %d days, not %s", int(MaxSetupLinkTTL.Hours()/24), ttl)
	}
	scopes, err := checkScopes(scopes)
	if err != nil {
		return "", nil, err
	}
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 32)
	rand.Read(b)
	secret := setupMark + base64.RawURLEncoding.EncodeToString(b)
	l := &roster.SetupLink{TenantID: t.ID, Scopes: scopes, Prefix: secret[:roster.TokenPrefixLen], Hash: hashSecret(secret),
		CreatedBy: actorOf(ctx).String(), Expires: s.now().UTC().Add(ttl).Truncate(time.Second)}
	if err := s.store.CreateSetupLink(ctx, l); err != nil {
		return "", nil, err
	}
	return secret, l, s.audit(ctx, change{action: "setup_link.create", tenant: t, target: l.ID, after: setupStateOf(l)})
}

// checkScopes returns scopes without repeats in the order of
// roster.SetupScopes, roster.DefaultSetupScopes for none; EINVALID for an
// unknown one.
func checkScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return slices.Clone(roster.DefaultSetupScopes), nil
	}
	var out []string
	for _, want := range roster.SetupScopes {
		if slices.Contains(scopes, want) {
			out = append(out, want)
		}
	}
	for _, sc := range scopes {
		if !slices.Contains(roster.SetupScopes, sc) {
			return nil, roster.Errorf(roster.EINVALID, "setup link scope %q: want %s", sc, strings.Join(roster.SetupScopes, ", "))
		}
	}
	return out, nil
}

// SetupLinks lists the setup links of the tenant idOrName, newest first. ENOTFOUND.
func (s *Service) SetupLinks(ctx context.Context, idOrName string) (*roster.Tenant, []*roster.SetupLink, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	ls, err := s.store.SetupLinks(ctx, t.ID)
	return t, ls, err
}

// SetupLinkStatus says whether l is "live", "used" (with when and from
// where), "revoked" or "expired".
func (s *Service) SetupLinkStatus(l *roster.SetupLink) string {
	switch {
	case !l.Revoked.IsZero():
		return "revoked " + l.Revoked.UTC().Format("2006-01-02 15:04")
	case !l.Redeemed.IsZero():
		return "used " + l.Redeemed.UTC().Format("2006-01-02 15:04") + " from " + l.RedeemedFrom
	case !s.now().Before(l.Expires):
		return "expired"
	}
	return "live"
}

// RevokeSetupLink revokes the setup link id of the tenant idOrName, ending
// its session. ENOTFOUND, also for a link of another tenant.
func (s *Service) RevokeSetupLink(ctx context.Context, idOrName, id string) error {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return err
	}
	l, err := s.store.SetupLink(ctx, id)
	if err == nil && l.TenantID != t.ID {
		err = roster.Errorf(roster.ENOTFOUND, "tenant %s has no setup link %s", t.Name, id)
	}
	if err != nil {
		return err
	}
	if err := s.store.RevokeSetupLink(ctx, id, s.now().UTC()); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "setup_link.revoke", tenant: t, target: id, before: setupStateOf(l)})
}

// RedeemSetupLink redeems the setup link with this secret from source and
// returns the secret of the session it starts — for the browser's cookie
// only — and the link. EUNAUTHORIZED when no link has the secret; ECONFLICT,
// with the link, when it was used, revoked or expired, so that the page can
// say which.
func (s *Service) RedeemSetupLink(ctx context.Context, secret, source string) (string, *roster.SetupLink, error) {
	unknown := roster.Errorf(roster.EUNAUTHORIZED, "this setup link is not one of Roster's, or it was mistyped")
	if !strings.HasPrefix(secret, setupMark) || len(secret) < roster.TokenPrefixLen+8 || len(secret) > 200 {
		return "", nil, unknown
	}
	session := rand.Text() + rand.Text()
	l, err := s.store.RedeemSetupLink(ctx, hashSecret(secret), hashSecret(session), s.now().UTC(), source)
	switch {
	case roster.ErrorCode(err) == roster.ENOTFOUND:
		return "", nil, unknown
	case err != nil:
		return "", l, err
	}
	t, err := s.store.Tenant(ctx, l.TenantID)
	if err != nil {
		return "", nil, err
	}
	ctx = WithActor(ctx, SetupActor(l, source))
	return session, l, s.audit(ctx, change{action: "setup_link.redeem", tenant: t, target: l.ID})
}

// SetupSession returns the link and tenant of the setup session with this
// secret, and records its use. EUNAUTHORIZED when there is no such session,
// its link was revoked, or it is idle or old past its bounds.
func (s *Service) SetupSession(ctx context.Context, secret string) (*roster.SetupLink, *roster.Tenant, error) {
	denied := roster.Errorf(roster.EUNAUTHORIZED, "the setup session has ended: open the setup link again, or ask for a new one")
	if secret == "" {
		return nil, nil, denied
	}
	l, err := s.store.SetupLinkBySession(ctx, hashSecret(secret))
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, nil, denied
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	if !l.Revoked.IsZero() || now.Sub(l.SessionSeen) > SetupSessionIdle || now.Sub(l.Redeemed) > SetupSessionAbsolute {
		return nil, nil, denied
	}
	t, err := s.store.Tenant(ctx, l.TenantID)
	if err != nil {
		return nil, nil, err
	}
	if now.Sub(l.SessionSeen) >= sessionTouch {
		if err := s.store.TouchSetupSession(ctx, l.ID, now); err != nil {
			return nil, nil, err
		}
	}
	return l, t, nil
}

// SetupActor is the actor of what is done through the setup link l from source.
func SetupActor(l *roster.SetupLink, source string) Actor {
	return Actor{Kind: "setup-link", Name: l.ID, Source: source}
}

// hashSecret is what the store keeps of a secret.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// setupState is what the audit trail records of a setup link: never its secret.
type setupState struct {
	ID      string   `json:"id"`
	Prefix  string   `json:"prefix"`
	Scopes  []string `json:"scopes"`
	Expires string   `json:"expires"`
}

func setupStateOf(l *roster.SetupLink) setupState {
	return setupState{ID: l.ID, Prefix: l.Prefix, Scopes: l.Scopes, Expires: l.Expires.UTC().Format(time.RFC3339)}
}

// InspectSetupLink returns the setup link with this secret without
// redeeming it, so that its page can say whether it can still be used.
// EUNAUTHORIZED when no link has the secret.
func (s *Service) InspectSetupLink(ctx context.Context, secret string) (*roster.SetupLink, *roster.Tenant, error) {
	unknown := roster.Errorf(roster.EUNAUTHORIZED, "this setup link is not one of Roster's, or it was mistyped")
	if !strings.HasPrefix(secret, setupMark) || len(secret) > 200 {
		return nil, nil, unknown
	}
	l, err := s.store.SetupLinkByHash(ctx, hashSecret(secret))
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, nil, unknown
	}
	if err != nil {
		return nil, nil, err
	}
	t, err := s.store.Tenant(ctx, l.TenantID)
	if err != nil {
		return nil, nil, err
	}
	return l, t, nil
}
