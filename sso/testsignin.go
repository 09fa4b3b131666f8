package sso

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/crewjam/saml"

	"github.com/rosterhq/roster"
)

// Test sign-ins. Whoever connects a tenant's IdP checks the connection by
// signing in through it with their own account. The admin service seals a
// ticket (NewTestTicket) naming the tenant, who asked, and the page of
// Roster's to come back to; GET /sso/{tenant}/test starts a sign-in at the IdP
// whose pending state is marked as a test. Its end — the OIDC callback or the
// SAML ACS — verifies the IdP's answer and matches the account to a user as
// every sign-in does, and checks the gate, but links no account, starts no
// session and issues no code: the outcome (the claims received, the user
// matched or why none was, why the user would be refused) is logged with the
// action sign-in-test, and brought to the return page sealed in a cookie,
// which only the one who asked can open (OpenTestResult).

const (
	purposeTestTicket = "roster test sign-in ticket"
	purposeTestResult = "roster test sign-in result"
	// TestTicketTTL bounds the time between a ticket's making (as the page
	// with the test's link is shown) and the test's start.
	TestTicketTTL = 30 * time.Minute
	// TestResultCookie names the cookie that brings a test sign-in's
	// outcome, sealed, to its return page.
	TestResultCookie = "roster_signin_test"
)

// TestTicket lets a browser start one test sign-in of a tenant.
type TestTicket struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant"`
	// Owner is who asked for the test, as the audit trail names an actor:
	// only they may read its outcome.
	Owner string `json:"owner"`
	// Return is the path under Roster's public URL the browser comes back to.
	Return  string    `json:"return"`
	Expires time.Time `json:"expires"`
}

// NewTestTicket returns a sealed ticket that starts a test sign-in of the
// tenant at TestURL within TestTicketTTL of now, for owner, coming back to
// the path ret. EINVALID when ret is not a path of Roster's.
func NewTestTicket(sealer *Sealer, tenantID, owner, ret string, now time.Time) (string, error) {
	if !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") || strings.ContainsAny(ret, "\\\r\n") {
		return "", roster.Errorf(roster.EINVALID, "a test sign-in comes back to a path of Roster's, not %q", ret)
	}
	b, err := json.Marshal(TestTicket{ID: random(), TenantID: tenantID, Owner: owner, Return: ret, Expires: now.Add(TestTicketTTL)})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealer.Seal(purposeTestTicket, b)), nil
}

// TestURL returns where a browser starts a test sign-in of a tenant with a
// ticket of NewTestTicket.
func TestURL(publicURL, tenantName, ticket string) string {
	return strings.TrimSuffix(publicURL, "/") + "/sso/" + tenantName + "/test?" + url.Values{"ticket": {ticket}}.Encode()
}

// TestResult is the outcome of a test sign-in.
type TestResult struct {
	TenantID string    `json:"tenant"`
	Owner    string    `json:"owner"`
	At       time.Time `json:"at"`
	// Issuer and Subject name the account that signed in ("" when the IdP's
	// answer was refused before).
	Issuer  string `json:"iss,omitempty"`
	Subject string `json:"sub,omitempty"`
	// Claims are the claims of the ID token, or the SAML assertion's NameID
	// and attributes: those that match a user first, then the others by name.
	Claims []Claim `json:"claims,omitempty"`
	// Omitted counts the claims left out to keep the result small.
	Omitted int `json:"omitted,omitempty"`
	// User is the user the account matched (nil: none), and MatchedBy how.
	User      *TestUser `json:"user,omitempty"`
	MatchedBy string    `json:"matched_by,omitempty"`
	// Refusal says why the sign-in would be refused ("" when it would
	// succeed), Reason is its code in the provisioning log's catalog.
	Refusal string `json:"refusal,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Claim is a claim of an ID token or an attribute of a SAML assertion, with its values as text.
type Claim struct {
	Name   string   `json:"n"`
	Values []string `json:"v"`
}

// TestUser is what a test sign-in shows of the user matched.
type TestUser struct {
	ID         string `json:"id"`
	UserName   string `json:"user_name"`
	ExternalID string `json:"external_id,omitempty"`
}

// Names of what Entra ID sends in a SAML assertion, beside ObjectIDClaim.
const (
	samlEmail       = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	samlDisplayName = "http://schemas.microsoft.com/identity/claims/displayname"
	samlGroups      = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
	samlRole        = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
)

// nameIDClaim names a SAML assertion's NameID among its claims.
const nameIDClaim = "NameID"

// firstClaims are the claims a test result lists first, in this order: what
// matching reads, then the person's email, name, groups and roles, each by
// its OpenID Connect name and by Entra ID's SAML name.
var firstClaims = []string{"oid", ObjectIDClaim, "preferred_username", nameIDClaim, "email", samlEmail,
	"name", samlDisplayName, "groups", samlGroups, "roles", samlRole}

// Email is the email address the IdP sent, "" for none.
func (r *TestResult) Email() string { return first(r.claim("email", samlEmail)) }

// Name is the person's name as the IdP sent it, "" for none.
func (r *TestResult) Name() string { return first(r.claim("name", samlDisplayName)) }

// Groups are the groups the IdP sent (Entra ID: object ids, or names when
// the app's groups claim is set to send them).
func (r *TestResult) Groups() []string { return r.claim("groups", samlGroups) }

// Roles are the app roles the IdP sent.
func (r *TestResult) Roles() []string { return r.claim("roles", samlRole) }

// claim returns the values of the first claim named one of names.
func (r *TestResult) claim(names ...string) []string {
	for _, c := range r.Claims {
		if slices.Contains(names, c.Name) {
			return c.Values
		}
	}
	return nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// Bounds of a test result, which travels in a cookie: a claim's values and
// their length, and the result's JSON before sealing (sealed and in base64,
// it stays under the 4 KiB browsers keep of a cookie).
const (
	maxClaimValues   = 20
	maxClaimValueLen = 200
	maxTestResult    = 2800
)

// testSeen is what the end of a test sign-in read of the IdP's answer.
type testSeen struct {
	claims        []Claim
	oid, userName string // what matching compared: the object id, and preferred_username or the NameID
}

// handleTest serves GET /sso/{tenant}/test?ticket=…: it starts the test
// sign-in the ticket names at the tenant's IdP. A ticket that does not open
// or expired gets an error page; a tenant without a connection comes back to
// the return page saying so.
func (s *Server) handleTest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var t TestTicket
	if err := openSealed(s.opts.Sealer, purposeTestTicket, r.URL.Query().Get("ticket"), &t); err != nil || !s.now().Before(t.Expires) {
		s.refusePage(w, r, outcome{action: ActionSignInTest, err: errorf("invalid_request", "",
			"This test sign-in is unknown or has expired. Start it again from the page you started it from.")})
		return
	}
	tenant, err := s.store.Tenant(ctx, t.TenantID)
	if err != nil || tenant.Name != r.PathValue("tenant") {
		s.refusePage(w, r, outcome{action: ActionSignInTest, err: errorf("invalid_request", "", "The test sign-in belongs to another tenant.")})
		return
	}
	p := &pending{ID: t.ID, TenantID: tenant.ID, RedirectURI: s.issuer + t.Return, Test: true, Owner: t.Owner,
		Expires: s.now().Add(pendingTTL)}
	conn, err := s.store.SSOConnection(ctx, tenant.ID)
	switch {
	case roster.ErrorCode(err) == roster.ENOTFOUND:
		s.finish(w, r, p, outcome{tenant: tenant, err: errorf("access_denied", "signin_no_connection", "tenant "+tenant.Name+" has no sign-in connection")})
	case err != nil:
		s.finish(w, r, p, outcome{tenant: tenant, err: s.internal(ctx, tenant, err)})
	case tenant.Disabled:
		s.finish(w, r, p, outcome{tenant: tenant, err: tenantDisabled()})
	default:
		s.startUpstream(w, r, tenant, conn, p)
	}
}

// finishTest ends a test sign-in: it logs the outcome, and brings it to the
// return page sealed in a cookie on that page's path.
func (s *Server) finishTest(w http.ResponseWriter, r *http.Request, p *pending, o outcome) {
	o.action = ActionSignInTest
	s.logSignIn(r, o)
	res := &TestResult{TenantID: p.TenantID, Owner: p.Owner, At: s.now()}
	if o.signIn != nil {
		res.Issuer, res.Subject = o.signIn.Issuer, o.signIn.Subject
	}
	seen := cmp.Or(p.seen, &testSeen{})
	res.Claims = seen.claims
	if o.user != nil {
		res.User = &TestUser{ID: o.user.ID, UserName: o.user.UserName, ExternalID: o.user.ExternalID}
		res.MatchedBy = s.matchedBy(r.Context(), o, seen)
	}
	if o.err != nil {
		res.Refusal, res.Reason = o.err.Description, cmp.Or(o.err.Reason, "signin_request_invalid")
	}
	to, err := url.Parse(p.RedirectURI)
	if err != nil {
		writeErrorPage(w, http.StatusBadRequest, errorf("invalid_request", "", "The test sign-in has no page to come back to."))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     TestResultCookie,
		Value:    SealTestResult(s.opts.Sealer, res),
		Path:     to.Path,
		MaxAge:   int(pendingTTL / time.Second),
		HttpOnly: true,
		Secure:   strings.HasPrefix(s.issuer, "https://"),
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, p.RedirectURI, http.StatusFound)
}

// matchedBy says how the account was matched to the user, in match's order:
// its link, its object id, its user name.
func (s *Server) matchedBy(ctx context.Context, o outcome, seen *testSeen) string {
	link, err := s.store.IdentityLinkBySubject(ctx, o.tenant.ID, o.signIn.Issuer, o.signIn.Subject)
	switch {
	case err == nil && link.UserID == o.user.ID:
		return "the account is linked to the user since its first sign-in (" + link.Created.UTC().Format("2006-01-02 15:04 UTC") + ")"
	case seen.oid != "" && seen.oid == o.user.ExternalID:
		return "the user's externalId is the account's object id"
	}
	return "the user's userName is the account's user name (preferred_username, or the SAML NameID), ignoring case"
}

// SealTestResult seals res for its cookie, within maxTestResult: long
// values are cut, and claims left out from the last.
func SealTestResult(sealer *Sealer, res *TestResult) string {
	for i, c := range res.Claims {
		vs := c.Values
		if len(vs) > maxClaimValues {
			vs = append(vs[:maxClaimValues:maxClaimValues], "… and "+strconv.Itoa(len(c.Values)-maxClaimValues)+" more")
		}
		for j, v := range vs {
			if len(v) > maxClaimValueLen {
				vs[j] = strings.ToValidUTF8(v[:maxClaimValueLen], "") + "…"
			}
		}
		res.Claims[i].Values = vs
	}
	b, _ := json.Marshal(res) // a TestResult always marshals
	for len(b) > maxTestResult && len(res.Claims) > 0 {
		res.Claims, res.Omitted = res.Claims[:len(res.Claims)-1], res.Omitted+1
		b, _ = json.Marshal(res)
	}
	return base64.RawURLEncoding.EncodeToString(sealer.Seal(purposeTestResult, b))
}

// OpenTestResult opens the outcome of a test sign-in as its cookie brought
// it. It fails when the value does not open, or the test ended longer ago
// than a sign-in may take (10 minutes) before now.
func OpenTestResult(sealer *Sealer, value string, now time.Time) (*TestResult, error) {
	var res TestResult
	if err := openSealed(sealer, purposeTestResult, value, &res); err != nil {
		return nil, err
	}
	if now.Sub(res.At) > pendingTTL {
		return nil, errors.New("the test sign-in ended more than 10 minutes ago")
	}
	return &res, nil
}

// openSealed opens a base64url value Seal sealed for purpose into v.
func openSealed(sealer *Sealer, purpose, value string, v any) error {
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return err
	}
	b, err := sealer.Open(purpose, sealed)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// idTokenClaims returns the claims of a verified ID token.
func idTokenClaims(idt *oidc.IDToken) []Claim {
	var m map[string]any
	if err := idt.Claims(&m); err != nil {
		return nil
	}
	cs := make([]Claim, 0, len(m))
	for name, v := range m {
		cs = append(cs, Claim{Name: name, Values: claimValues(v)})
	}
	return sortClaims(cs)
}

// claimValues writes a JSON claim's value as text: a list by its elements.
func claimValues(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}
	case bool:
		return []string{strconv.FormatBool(v)}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, claimValues(e)...)
		}
		return out
	}
	b, _ := json.Marshal(v)
	return []string{string(b)}
}

// assertionClaims returns a verified SAML assertion's NameID and attributes.
func assertionClaims(a *saml.Assertion) []Claim {
	var cs []Claim
	if a.Subject != nil && a.Subject.NameID != nil {
		cs = append(cs, Claim{Name: nameIDClaim, Values: []string{a.Subject.NameID.Value}})
	}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			c := Claim{Name: at.Name}
			for _, v := range at.Values {
				c.Values = append(c.Values, v.Value)
			}
			cs = append(cs, c)
		}
	}
	return sortClaims(cs)
}

// sortClaims orders claims as firstClaims does, then the others by name.
func sortClaims(cs []Claim) []Claim {
	rank := func(name string) int {
		if i := slices.Index(firstClaims, name); i >= 0 {
			return i
		}
		return len(firstClaims)
	}
	slices.SortStableFunc(cs, func(a, b Claim) int {
		return cmp.Or(cmp.Compare(rank(a.Name), rank(b.Name)), strings.Compare(a.Name, b.Name))
	})
	return cs
}
