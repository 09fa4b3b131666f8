package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster/sso"
)

// rawRequest sends a request with exactly the given Authorization header and
// returns the response's status and body.
func rawRequest(t *testing.T, method, url, auth, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(raw)
}

// wantNoSecret fails the test when any of the secrets is in text.
func wantNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s holds the secret %q:\n%.600s", where, s, text)
		}
	}
}

// TestCredentialNeverEchoed sends a live token, an API key and client
// secrets in every malformed way to the SCIM API, the app API and the OAuth
// token endpoint: no refusal quotes the secret, and neither do the
// provisioning log's rows, read back through roster log and the app API.
func TestCredentialNeverEchoed(t *testing.T) { forEachStore(t, testCredentialNeverEchoed) }

func testCredentialNeverEchoed(t *testing.T, db string) {
	env := map[string]string{}
	if strings.HasPrefix(db, "postgres") {
		env["ROSTER_SECRET_KEY"] = sso.NewKey()
	}
	s := startServerEnv(t, db, env)
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	root := strings.TrimSuffix(s.base, "/scim/v2")
	tokenTail, keyTail := s.token[12:], key[12:]
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}

	for _, auth := range []string{
		s.token,                       // no scheme at all
		"Token " + s.token,            // a scheme that is not Bearer
		"bearer" + s.token,            // no space
		s.token + " " + s.token,       // the token twice
		"Bearer " + s.token + "x",     // a wrong token with a live prefix
		"Bearer  " + s.token,          // whitespace
		basic("nobody", s.token),      // Basic naming another tenant
		basic("default", s.token+"x"), // Basic with a wrong password
		"Basic " + s.token,            // Basic that is not base64
		key,                           // an API key as a SCIM token
	} {
		status, body := rawRequest(t, "GET", s.base+"/Users", auth, "", "")
		if status != http.StatusUnauthorized {
			t.Errorf("SCIM with %.20q…: status %d, want 401", auth, status)
		}
		wantNoSecret(t, "SCIM refusal", body, tokenTail, keyTail)
	}
	for _, auth := range []string{key, "Token " + key, "Bearer " + key + "x", "Bearer " + s.token, "Basic " + key} {
		status, body := rawRequest(t, "GET", root+"/api/v1/users", auth, "", "")
		if status != http.StatusUnauthorized {
			t.Errorf("app API with %.20q…: status %d, want 401", auth, status)
		}
		wantNoSecret(t, "app API refusal", body, tokenTail, keyTail)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {"nobody"}, "client_secret": {s.token}}
	_, body := rawRequest(t, "POST", root+sso.TokenPath, "", "application/x-www-form-urlencoded", form.Encode())
	wantNoSecret(t, "token endpoint refusal", body, tokenTail)
	_, body = rawRequest(t, "POST", root+sso.TokenPath, basic("nobody", s.token), "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x")
	wantNoSecret(t, "token endpoint refusal", body, tokenTail)

	// The refusals' rows: every one is logged, none with the secret.
	if rows := s.logRows(t, 10, "--status", "401", "--limit", "1000"); len(rows) < 10 {
		t.Errorf("roster log has %d rows of 401s, want 10", len(rows))
	}
	wantNoSecret(t, "roster log", s.cli(t, "log", "--json", "--limit", "1000"), tokenTail, keyTail)
	page := s.app(t, key, "/provisioning-log?status=4xx&limit=1000").want(t, 200)
	wantNoSecret(t, "/api/v1/provisioning-log", page.raw, tokenTail, keyTail)
}
