package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/provlog"
)

// Whether the customer's IdP has connected, as the provisioning log tells
// it: waiting until a SCIM request with one of the tenant's tokens is
// accepted, then connected, unless a newer request was refused (a wrong,
// revoked or expired token, whitespace pasted with it, a URL without
// /scim/v2, the tenant's rate limit). Requests refused before Roster knows their tenant are logged
// without one; those whose token has the prefix of one of the tenant's
// tokens are the tenant's (scim/server notes only prefixes Roster issued).

// recentRows is how many of the tenant's newest SCIM requests the
// connection's status reads.
const recentRows = 20

// refusalWindow bounds how far back the setup pages look for the refusals
// logged without a tenant: they are the requests anyone may send.
const refusalWindow = 7 * 24 * time.Hour

// connection is whether the tenant's IdP has connected, as the provisioning
// page shows it and its status.json tells the page's script.
type connection struct {
	// State is "waiting", "connected" or "refused"; Badge the class of its badge.
	State string `json:"state"`
	Badge string `json:"badge"`
	// Detail says when, and which request.
	Detail string `json:"detail"`
	// Explanation and Advice are a refusal's: what happened, from the
	// reason catalog, and what to do about it here.
	Explanation string `json:"explanation"`
	Advice      string `json:"advice"`
}

// refusal reports whether e is a request refused before it reached the
// tenant's users and groups: its credential (401), the tenant disabled, a
// rate limit (429), or a URL without the SCIM path.
func refusal(e *roster.LogEntry) bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusTooManyRequests ||
		e.Reason == "tenant_disabled" || e.Reason == "url_without_prefix"
}

// connectionOf returns the connection's status of t, whose tokens are toks.
func (s *Server) connectionOf(ctx context.Context, t *roster.Tenant, toks []*roster.Token) (connection, error) {
	recent, err := s.store.Log(ctx, roster.LogQuery{TenantID: t.ID, SCIM: true, Limit: recentRows})
	if err != nil {
		return connection{}, err
	}
	var accepted, refused *roster.LogEntry
	for _, e := range recent {
		switch {
		case refusal(e) && refused == nil:
			refused = e
		case !refusal(e) && accepted == nil:
			accepted = e
		}
	}
	if accepted == nil && len(recent) == recentRows { // accepted, if ever, before the newest refusals
		ok, err := s.store.Log(ctx, roster.LogQuery{TenantID: t.ID, SCIM: true, StatusClass: 2, Limit: 1})
		if err != nil {
			return connection{}, err
		}
		if len(ok) > 0 {
			accepted = ok[0]
		}
	}
	theirs, err := s.unattributed(ctx, toks, roster.LogQuery{Limit: 1})
	if err != nil {
		return connection{}, err
	}
	if len(theirs) > 0 && (refused == nil || theirs[0].Time.After(refused.Time)) {
		refused = theirs[0]
	}
	switch {
	case refused != nil && (accepted == nil || refused.Time.After(accepted.Time)):
		c := connection{State: "refused", Badge: "bad", Detail: "A request was refused on " + setupStamp(refused.Time) + ": " + requestOf(refused) + "."}
		if x, ok := provlog.Explain(refused.Reason); ok {
			c.Explanation = x.Explanation
		}
		c.Advice = setupAdvice[refused.Reason]
		if accepted != nil {
			c.Detail += " The last request accepted was on " + setupStamp(accepted.Time) + "."
		}
		return c, nil
	case accepted != nil:
		return connection{State: "connected", Badge: "ok", Detail: "Last request on " + setupStamp(accepted.Time) + ": " + requestOf(accepted) + "."}, nil
	}
	return connection{State: "waiting", Badge: "warn", Detail: "No request with one of your tokens has arrived yet."}, nil
}

// unattributed returns the rows q selects among those logged without a
// tenant whose token has the prefix of one of toks, newest first, from
// refusalWindow ago.
func (s *Server) unattributed(ctx context.Context, toks []*roster.Token, q roster.LogQuery) ([]*roster.LogEntry, error) {
	if len(toks) == 0 {
		return nil, nil
	}
	q.Unattributed, q.Since = true, s.opts.Now().Add(-refusalWindow)
	for _, k := range toks {
		q.TokenPrefixes = append(q.TokenPrefixes, k.Prefix)
	}
	return s.store.Log(ctx, q)
}

// recentFailures returns the newest n failed SCIM requests of t, those
// logged without a tenant with one of its tokens among them, newest first.
func (s *Server) recentFailures(ctx context.Context, t *roster.Tenant, toks []*roster.Token, n int) ([]*roster.LogEntry, error) {
	es, err := s.store.Log(ctx, roster.LogQuery{TenantID: t.ID, SCIM: true, Failed: true, Limit: n})
	if err != nil {
		return nil, err
	}
	theirs, err := s.unattributed(ctx, toks, roster.LogQuery{Limit: n})
	if err != nil {
		return nil, err
	}
	es = append(es, theirs...)
	slices.SortStableFunc(es, func(a, b *roster.LogEntry) int { return b.Time.Compare(a.Time) })
	return es[:min(n, len(es))], nil
}

// requestOf is a row's request as the IdP sent it: the route and the query, decoded.
func requestOf(e *roster.LogEntry) string {
	if e.Query == "" {
		return e.Route
	}
	q, err := url.QueryUnescape(e.Query)
	if err != nil {
		q = e.Query
	}
	return e.Route + "?" + q
}

func setupStamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// setupAdvice says what the customer's IT admin does about a refusal, by
// its reason, where the catalog's advice is for Roster's operators.
var setupAdvice = map[string]string{
	"token_missing":       "Paste a secret token from this page into your identity provider's token field, and save.",
	"token_scheme":        "Paste the token alone into the token field: your identity provider adds “Bearer” itself.",
	"token_whitespace":    "Paste the token again as one line, without spaces or line breaks before, inside or after it.",
	"token_empty":         "Paste a secret token from this page into the token field.",
	"token_malformed":     "Paste a secret token created on this page: they start with rst_.",
	"token_unknown":       "The token was cut short or mistyped after its first characters: copy it again, whole, or create a new one here.",
	"token_revoked":       "That token was revoked: create a new one on this page and paste it into your identity provider.",
	"token_expired":       "That token expired: create a new one on this page and paste it into your identity provider.",
	"basic_user_mismatch": "Use the user name this page shows under HTTP Basic, and a token of this page as the password.",
	"tenant_disabled":     "Provisioning is turned off for your organisation on our side: ask the team that sent you this link.",
	"auth_throttled":      "Too many wrong tokens came in: fix the token first; the limit lifts by itself within a minute.",
	"rate_limited":        "Nothing: your identity provider retries by itself, and the sync completes more slowly.",
	"url_without_prefix":  "Copy the Tenant URL from this page again, whole: it ends with /scim/v2.",
}

// handleSetupConnectionStatus answers the connection's status as JSON, for
// the provisioning page's script to refresh it.
func (s *Server) handleSetupConnectionStatus(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSCIM); err != nil {
		return err
	}
	t := setupOf(r).tenant
	_, toks, err := s.admin.Tokens(r.Context(), t.ID)
	if err != nil {
		return err
	}
	c, err := s.connectionOf(r.Context(), t, toks)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(c)
}
