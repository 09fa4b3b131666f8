package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
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
