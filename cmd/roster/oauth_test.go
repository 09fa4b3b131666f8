package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tokenResponse is an answer of the token endpoint.
type tokenResponse struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// grant posts form to the token endpoint, with HTTP Basic when basic is not
// nil ({id, secret}, form-encoded as RFC 6749 §2.3.1 asks), from the address
// from when it is not "".
func (s *testServer) grant(t *testing.T, form url.Values, basic []string, from string) tokenResponse {
	t.Helper()
	root := strings.TrimSuffix(s.base, "/scim/v2")
	req, err := http.NewRequest("POST", root+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := tokenResponse{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("token endpoint: not JSON: %v\n%s", err, raw)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("token endpoint: Content-Type %q", ct)
	}
	return r
}

// oauthClient runs roster token create --oauth and returns the id and secret
// it printed: client_id=… then client_secret=… as the last line.
func (s *testServer) oauthClient(t *testing.T, tenant, name string) (id, secret string) {
	t.Helper()
	out := strings.Split(strings.TrimSpace(s.cli(t, "token", "create", "--tenant", tenant, "--oauth", "--name", name)), "\n")
	if len(out) != 2 || !strings.HasPrefix(out[0], "client_id=") || !strings.HasPrefix(out[1], "client_secret=") {
		t.Fatalf("token create --oauth printed %q, want client_id=… then client_secret=…", out)
	}
	return strings.TrimPrefix(out[0], "client_id="), strings.TrimPrefix(out[1], "client_secret=")
}

// accessToken gets an access token for the client by client_secret_post.
func (s *testServer) accessToken(t *testing.T, id, secret string) string {
	t.Helper()
	r := s.grant(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, nil, "")
	if r.status != 200 {
		t.Fatalf("client_secret_post: %d %s", r.status, r.raw)
	}
	return str(r.body, "access_token")
}

// TestOAuthClientCredentials drives an IdP that authenticates with OAuth 2.0
// client credentials: roster token create --oauth makes the client; the
// token endpoint issues access tokens by client_secret_basic and
// client_secret_post (RFC 6749 §4.4, §5.1) and refuses per §5.2; SCIM serves
// the access token for its tenant only and names the client in the log; the
// app API refuses it; revoking the client ends its access tokens at once.
func TestOAuthClientCredentials(t *testing.T) { forEachStore(t, testOAuthClientCredentials) }

func testOAuthClientCredentials(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_TOKEN_CACHE": "0s"})
	s.cli(t, "tenant", "create", "acme")
	id, secret := s.oauthClient(t, "acme", "okta")
	if !strings.HasPrefix(secret, "rss_") || strings.Contains(s.cli(t, "token", "list", "--tenant", "acme"), secret) {
		t.Fatalf("client secret %q…: want rss_, and never in token list", secret[:8])
	}
	list := s.cli(t, "token", "list", "--tenant", "acme")
	if !strings.Contains(list, "KIND") || !strings.Contains(list, id) || !strings.Contains(list, "oauth") || !strings.Contains(list, secret[:12]) {
		t.Fatalf("token list does not show the client with its kind and prefix:\n%s", list)
	}

	// client_secret_basic and client_secret_post both issue a Bearer token for an hour.
	for name, r := range map[string]tokenResponse{
		"basic": s.grant(t, url.Values{"grant_type": {"client_credentials"}}, []string{id, secret}, ""),
		"post":  s.grant(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"scim"}}, nil, ""),
	} {
		if r.status != 200 || str(r.body, "token_type") != "Bearer" || r.body["expires_in"] != float64(3600) ||
			!strings.HasPrefix(str(r.body, "access_token"), "rsa_") {
			t.Fatalf("client_secret_%s: %d %s, want 200 with a Bearer access token for 3600 s", name, r.status, r.raw)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("client_secret_%s: Cache-Control %q, want no-store", name, r.header.Get("Cache-Control"))
		}
	}
	at := s.accessToken(t, id, secret)

	// SCIM serves the access token as a Bearer token of acme, and of acme only.
	mine := s.doAs(t, "Bearer "+at, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@acme.example"}`)
	if mine.status != 201 {
		t.Fatalf("create a user with the access token: %d %s", mine.status, mine.raw)
	}
	theirs := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob@default.example"}`)
	if theirs.status != 201 {
		t.Fatalf("create a user of the default tenant: %d %s", theirs.status, theirs.raw)
	}
	if r := s.doAs(t, "Bearer "+at, "GET", "/Users/"+str(theirs.body, "id"), ""); r.status != 404 {
		t.Errorf("acme's access token read the default tenant's user: %d %s", r.status, r.raw)
	}
	if r := s.doAs(t, "Bearer "+at, "GET", "/Users", ""); r.status != 200 || r.body["totalResults"] != float64(1) {
		t.Errorf("acme's list: %d %s, want acme's one user", r.status, r.raw)
	}
	basic := func(user string) string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, at)
		return req.Header.Get("Authorization")
	}
	if r := s.doAs(t, basic("default"), "GET", "/Users", ""); r.status != 401 {
		t.Errorf("acme's access token under the default tenant's name: %d %s, want 401", r.status, r.raw)
	}
	if r := s.doAs(t, basic("acme"), "GET", "/Users", ""); r.status != 200 {
		t.Errorf("acme's access token under acme's name: %d %s, want 200", r.status, r.raw)
	}
	// The client secret itself is no bearer token, and says what it is.
	if r := s.doAs(t, "Bearer "+secret, "GET", "/Users", ""); r.status != 401 || !strings.Contains(str(r.body, "detail"), "client secret") {
		t.Errorf("the client secret as a bearer token: %d %s, want 401 naming a client secret", r.status, r.raw)
	}

	// The app API refuses it, saying why.
	for _, v := range []string{at, secret} {
		if r := s.app(t, v, "/events"); r.status != 401 || !strings.Contains(r.raw, "/scim/v2 only") {
			t.Errorf("app API with a SCIM OAuth credential: %d %s, want 401 saying it works on SCIM only", r.status, r.raw)
		}
	}

	// The provisioning log names the client as it names a token.
	rows := s.logRows(t, 3, "--tenant", "acme")
	named := 0
	for _, row := range rows {
		if str(row, "token_prefix") == secret[:12] && str(row, "token_name") == "okta" {
			named++
		}
	}
	if named < 3 {
		t.Errorf("%d of acme's log rows name the client (prefix %s…, okta), want every one:\n%v", named, secret[:12], rows)
	}
	if !strings.Contains(s.cli(t, "token", "list", "--tenant", "acme"), "oauth") {
		t.Error("token list lost the client")
	}

	// Refusals, RFC 6749 §5.2.
	bearerID := strings.Fields(strings.Split(s.cli(t, "token", "list", "--tenant", "default"), "\n")[1])[0]
	refusals := []struct {
		name   string
		form   url.Values
		basic  []string
		status int
		code   string
	}{
		{"wrong grant type", url.Values{"grant_type": {"password"}, "client_id": {id}, "client_secret": {secret}}, nil, 400, "unsupported_grant_type"},
		{"no grant type", url.Values{"client_id": {id}, "client_secret": {secret}}, nil, 400, "invalid_request"},
		{"repeated parameter", url.Values{"grant_type": {"client_credentials", "client_credentials"}, "client_id": {id}, "client_secret": {secret}}, nil, 400, "invalid_request"},
		{"two authentication methods", url.Values{"grant_type": {"client_credentials"}, "client_secret": {secret}}, []string{id, secret}, 400, "invalid_request"},
		{"no client", url.Values{"grant_type": {"client_credentials"}}, nil, 401, "invalid_client"},
		{"wrong secret, post", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret + "x"}}, nil, 401, "invalid_client"},
		{"wrong secret, basic", url.Values{"grant_type": {"client_credentials"}}, []string{id, secret + "x"}, 401, "invalid_client"},
		{"an unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"no-such-client"}, "client_secret": {secret}}, nil, 401, "invalid_client"},
		{"a secret token with its id", url.Values{"grant_type": {"client_credentials"}, "client_id": {bearerID}, "client_secret": {s.token}}, nil, 401, "invalid_client"},
	}
	for _, c := range refusals {
		r := s.grant(t, c.form, c.basic, "")
		if r.status != c.status || str(r.body, "error") != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.raw, c.status, c.code)
		}
		if c.basic != nil && c.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s: WWW-Authenticate %q, want a Basic challenge", c.name, r.header.Get("WWW-Authenticate"))
		}
		if strings.Contains(r.raw, secret) {
			t.Errorf("%s: the answer holds the secret", c.name)
		}
	}

	// Token requests are rows of the tenant's log too, the refused ones with
	// why; no row holds the secret or an access token.
	var granted, refused int
	for _, row := range s.logRows(t, 4, "--tenant", "acme", "--action", "token") {
		switch {
		case str(row, "token_prefix") != secret[:12]:
			t.Errorf("token row without the client's prefix: %v", row)
		case row["status"] == float64(200):
			granted++
		case row["status"] == float64(401) && str(row, "reason") == "token_client_invalid":
			refused++
		}
	}
	if granted < 3 || refused < 2 {
		t.Errorf("acme's token rows: %d granted, %d refused for a wrong secret; want 3 and 2", granted, refused)
	}
	raw := s.cli(t, "log", "--json", "--tenant", "acme", "--action", "token")
	if strings.Contains(raw, secret) || strings.Contains(raw, at) {
		t.Fatalf("the log holds the client secret or an access token:\n%s", raw)
	}

	// Revoking the client ends its access tokens at once, and the grant.
	s.cli(t, "token", "revoke", id)
	if r := s.doAs(t, "Bearer "+at, "GET", "/Users", ""); r.status != 401 || !strings.Contains(str(r.body, "detail"), "revoked") {
		t.Errorf("access token of a revoked client: %d %s, want 401 revoked", r.status, r.raw)
	}
	if r := s.grant(t, url.Values{"grant_type": {"client_credentials"}}, []string{id, secret}, ""); r.status != 401 || str(r.body, "error") != "invalid_client" {
		t.Errorf("grant to a revoked client: %d %s, want 401 invalid_client", r.status, r.raw)
	}
	if !strings.Contains(s.cli(t, "token", "list", "--tenant", "acme"), "revoked") {
		t.Error("token list does not show the client revoked")
	}

	// The audit trail has the client's creation (with its kind) and its
	// revocation, as for a token, and never the secret.
	audit := s.cli(t, "audit", "--tenant", "acme")
	if strings.Contains(audit, secret) || strings.Contains(audit, at) || !strings.Contains(audit, `"kind":"oauth"`) ||
		!strings.Contains(audit, "token.revoke") || !strings.Contains(audit, secret[:12]) {
		t.Errorf("audit trail of the client:\n%s", audit)
	}
	if err := s.cliErr(t, "token", "create", "--tenant", "acme", "--oauth", "--expires", "90d"); err == nil {
		t.Error("token create --oauth --expires was accepted: a client has no lifetime of its own")
	}
}

// TestOAuthDiscovery checks that ServiceProviderConfig lists both schemes and
// that the OpenID Provider's discovery lists the grant.
func TestOAuthDiscovery(t *testing.T) {
	s := startServer(t, sqliteDB(t))
	r := s.do(t, "GET", "/ServiceProviderConfig", "")
	schemes, _ := r.body["authenticationSchemes"].([]any)
	types := map[string]map[string]any{}
	for _, sc := range schemes {
		m, _ := sc.(map[string]any)
		types[str(m, "type")] = m
	}
	if types["oauthbearertoken"] == nil || types["oauth2"] == nil {
		t.Fatalf("authenticationSchemes %v, want oauthbearertoken and oauth2", schemes)
	}
	o := types["oauth2"]
	if !strings.Contains(str(o, "specUri"), "rfc6749") || str(o, "documentationUri") == "" ||
		!strings.Contains(str(o, "description"), strings.TrimSuffix(s.base, "/scim/v2")+"/oauth2/token") {
		t.Errorf("oauth2 scheme %v: want RFC 6749, documentation and the token endpoint", o)
	}
	res, err := http.Get(strings.TrimSuffix(s.base, "/scim/v2") + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if grants, _ := doc["grant_types_supported"].([]any); len(grants) != 2 || grants[1] != "client_credentials" {
		t.Errorf("grant_types_supported = %v, want authorization_code and client_credentials", doc["grant_types_supported"])
	}
}

// TestOAuthAccessTokenExpiry serves with --oauth-token-ttl 1s: the access
// token's expires_in says so, and SCIM refuses it once it passed.
func TestOAuthAccessTokenExpiry(t *testing.T) { forEachStore(t, testOAuthAccessTokenExpiry) }

func testOAuthAccessTokenExpiry(t *testing.T, db string) {
	s := startServerWith(t, db, "--oauth-token-ttl", "1s")
	id, secret := s.oauthClient(t, "default", "entra")
	r := s.grant(t, url.Values{"grant_type": {"client_credentials"}}, []string{id, secret}, "")
	if r.status != 200 || r.body["expires_in"] != float64(1) {
		t.Fatalf("grant: %d %s, want expires_in 1", r.status, r.raw)
	}
	at := str(r.body, "access_token")
	var last response
	waitUntil(t, "the access token expired", func() bool {
		last = s.doAs(t, "Bearer "+at, "GET", "/Users", "")
		if last.status == 200 {
			time.Sleep(200 * time.Millisecond)
		}
		return last.status != 200
	})
	if last.status != 401 || !strings.Contains(str(last.body, "detail"), "expired") {
		t.Errorf("expired access token: %d %s, want 401 expired", last.status, last.raw)
	}
	// A new one works: the client lives on.
	if r := s.doAs(t, "Bearer "+s.accessToken(t, id, secret), "GET", "/Users", ""); r.status != 200 {
		t.Errorf("a new access token: %d %s", r.status, r.raw)
	}
}

// TestOAuthFailureLimit sends wrong client secrets from one address: they
// are counted with the SCIM API's failed authentications, so that the token
// endpoint ends in 429 and so does SCIM from that address, while the right
// secret is still served.
func TestOAuthFailureLimit(t *testing.T) { forEachStore(t, testOAuthFailureLimit) }

func testOAuthFailureLimit(t *testing.T, db string) {
	s := startServerWith(t, db, "--trust-proxy")
	id, secret := s.oauthClient(t, "default", "okta")
	const flooder = "198.51.100.9"
	wrong := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret[:12] + strings.Repeat("x", len(secret)-12)}}
	var (
		last         tokenResponse
		unauthorized int
	)
	for range 40 {
		last = s.grant(t, wrong, nil, flooder)
		if last.status != 401 {
			break
		}
		unauthorized++
	}
	if last.status != 429 || str(last.body, "error") != "invalid_client" {
		t.Fatalf("after %d wrong secrets: %d %s, want 429", unauthorized, last.status, last.raw)
	}
	if n, err := strconv.Atoi(last.header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("Retry-After = %q, want seconds", last.header.Get("Retry-After"))
	}
	if unauthorized < 10 {
		t.Errorf("%d 401s before the first 429, want the burst of 10 first", unauthorized)
	}
	// The same limit guards SCIM: a wrong token from the address is refused too.
	if r := s.send("GET", "/Users", "Bearer rst_"+strings.Repeat("y", 43), flooder); r.status != 429 {
		t.Errorf("SCIM from the flooding address with a wrong token: %d %s, want 429", r.status, r.raw)
	}
	// The right secret is still served from there.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if r := s.grant(t, form, nil, flooder); r.status != 200 {
		t.Errorf("the right secret from the flooding address: %d %s", r.status, r.raw)
	}
}
