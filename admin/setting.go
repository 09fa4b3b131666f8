package admin

import (
	"context"
	"net/url"
	"strings"

	"github.com/rosterhq/roster"
)

// RecordPublicURL records u as the URL IdPs reach Roster at. A server calls
// it as it starts, with its --public-url or, without one, http:// and its
// listen address, so that the command line and the console print the
// redirect URIs and metadata URLs an operator registers at an IdP without
// being told the URL again. With several servers on one database, the last
// to start is the one recorded. It is what the server reports of itself, not
// an operator's change: it writes no audit row. EINVALID unless u is an
// absolute http(s) URL without user, query or fragment.
func (s *Service) RecordPublicURL(ctx context.Context, u string) error {
	if err := CheckPublicURL(u); err != nil {
		return err
	}
	return s.store.SetPublicURL(ctx, strings.TrimSuffix(u, "/"))
}

// CheckPublicURL returns EINVALID unless u is an absolute http(s) URL
// without user, query or fragment: the base of the URLs IdPs are given.
func CheckPublicURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.User != nil ||
		p.RawQuery != "" || p.Fragment != "" || strings.Contains(u, "#") {
		return roster.Errorf(roster.EINVALID, "public URL %q: want an absolute http(s) URL such as https://roster.example.com", u)
	}
	return nil
}

// PublicURL returns the URL to print in what an operator registers at an
// IdP: given when it is not "" (the operator's own choice), else the one the
// last server to start recorded (RecordPublicURL), else fallback; without a
// trailing slash.
func (s *Service) PublicURL(ctx context.Context, given, fallback string) (string, error) {
	if given != "" {
		return strings.TrimSuffix(given, "/"), nil
	}
	u, err := s.store.PublicURL(ctx)
	switch {
	case roster.ErrorCode(err) == roster.ENOTFOUND:
		return strings.TrimSuffix(fallback, "/"), nil
	case err != nil:
		return "", err
	}
	return u, nil
}
