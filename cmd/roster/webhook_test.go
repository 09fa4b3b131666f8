package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/admin"
)

// httptestServer serves h on 127.0.0.1 until t ends and returns its URL.
func httptestServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// verifySignature checks a delivery the way the Standard Webhooks specification
// tells receivers to, written here independently of Roster's own signing code:
// HMAC-SHA256 over "id.timestamp.body" keyed with the base64-decoded part of
// the secret after "whsec_", compared with each "v1," signature.
func verifySignature(secret string, h http.Header, body []byte) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || id == "" {
		return fmt.Errorf("bad webhook-id %q or webhook-timestamp %q", id, ts)
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %d too far from now", sec)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("secret: %v", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("signature %q does not verify", sigs)
}

// TestAPIKeyWebhookAudit checks that roster apikey and webhook act as the
// user running them: each change is one audit row of the tenant with the CLI's
// actor, and the trail shows neither the key's nor the webhook's secret.
func TestAPIKeyWebhookAudit(t *testing.T) { forEachStore(t, testAPIKeyWebhookAudit) }

func testAPIKeyWebhookAudit(t *testing.T, db string) {
	s := &testServer{db: db}
	s.cli(t, "migrate")
	s.cli(t, "tenant", "create", "acme")
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "acme", "--name", "app"))
	keyID := strings.Fields(strings.Split(s.cli(t, "apikey", "list"), "\n")[1])[0]
	s.cli(t, "apikey", "revoke", keyID)
	out := strings.Split(strings.TrimSpace(s.cli(t, "webhook", "add", "--url", "http://127.0.0.1:1/hooks", "--tenant", "acme")), "\n")
	hookID, secret := out[0], out[len(out)-1]
	s.cli(t, "webhook", "replay", hookID, "--from", "0")
	s.cli(t, "webhook", "resume", hookID)
	s.cli(t, "webhook", "remove", hookID)

	trail := s.cli(t, "audit", "--tenant", "acme")
	for _, leak := range []string{key, key[12:], secret, strings.TrimPrefix(secret, "whsec_"), "sealed:"} {
		if strings.Contains(trail, leak) {
			t.Fatalf("the audit trail shows a secret:\n%s", trail)
		}
	}
	want := []string{"webhook.remove", "webhook.resume", "webhook.replay", "webhook.add", "apikey.revoke", "apikey.create", "tenant.create"}
	lines := strings.Split(strings.TrimSpace(trail), "\n")[1:]
	if len(lines) != len(want) {
		t.Fatalf("audit --tenant acme: %d rows, want %v:\n%s", len(lines), want, trail)
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if f[2] != cliActor().String() || f[4] != want[i] || f[5] != "acme" {
			t.Errorf("row %d: actor %s, action %s, tenant %s; want %s %s acme:\n%s", i, f[2], f[4], f[5], cliActor(), want[i], l)
		}
	}
	for _, want := range []string{keyID, key[:12], hookID, "http://127.0.0.1:1/hooks"} {
		if !strings.Contains(trail, want) {
			t.Errorf("the audit trail lacks %s:\n%s", want, trail)
		}
	}
}

// TestConsoleWebhook checks serve's wiring of the console's webhooks: an
// endpoint added in the console has its signing secret sealed under the
// server's key, its test message goes out through the server's relay, and the
// relay signs deliveries with the secret the console showed.
func TestConsoleWebhook(t *testing.T) {
	s := startServer(t, sqliteDB(t))
	const password = "correct horse battery"
	withStdin(t, password+"\n", func() { s.cli(t, "operator", "create", "--email", "ada@example.com", "--role", "admin") })
	base := strings.TrimSuffix(s.base, "/scim/v2")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		res, err := browser.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if status, body := post("/console/login", url.Values{"email": {"ada@example.com"}, "password": {password}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", status, body)
	}
	u, _ := url.Parse(base + "/console/")
	csrf := admin.FormToken(jar.Cookies(u)[0].Value)

	var (
		mu       sync.Mutex
		secret   string
		received []string
	)
	endpoint := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := verifySignature(secret, r.Header, body); err != nil {
			t.Errorf("a message: %v", err)
		}
		var msg struct{ Type string }
		json.Unmarshal(body, &msg)
		received = append(received, msg.Type)
	}))
	status, body := post("/console/tenants/default/webhooks", url.Values{"csrf": {csrf}, "url": {endpoint}, "from": {"now"}})
	shown := regexp.MustCompile(`data-testid="signing-secret">([^<]+)<`).FindStringSubmatch(body)
	id := regexp.MustCompile(`data-testid="new-webhook">([^<]+)<`).FindStringSubmatch(body)
	if status != http.StatusOK || shown == nil || id == nil {
		t.Fatalf("add a webhook: %d\n%s", status, body)
	}
	mu.Lock()
	secret = html.UnescapeString(shown[1]) // base64: a "+" comes as &#43;
	mu.Unlock()
	if w, err := s.openStore(t).Webhook(context.Background(), id[1]); err != nil || !strings.HasPrefix(w.Secret, "sealed:") {
		t.Errorf("stored secret %q, %v: want it sealed", w.Secret, err)
	}
	status, body = post("/console/tenants/default/webhooks/"+id[1]+"/test", url.Values{"csrf": {csrf}})
	if status != http.StatusOK || !strings.Contains(body, "acknowledged the test message: HTTP 200") {
		t.Errorf("test message: %d\n%s", status, body)
	}
	s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@fabrikam.com"}`).want(t, http.StatusCreated)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		got := strings.Join(received, " ")
		mu.Unlock()
		if got == "webhook.test user.created" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the endpoint received %q, want the test message and the user.created event", got)
		}
	}
}
