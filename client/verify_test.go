package client

import (
	"net/http"
	"testing"
	"time"
)

// The example of the Standard Webhooks specification.
func TestVerifyWebhookSpecExample(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	at := time.Unix(1614265330, 0)
	if err := VerifyWebhook(secret, h, body, at); err != nil {
		t.Fatalf("VerifyWebhook = %v", err)
	}
	for name, tc := range map[string]struct {
		body []byte
		at   time.Time
	}{
		"changed body":  {[]byte(`{"test": 2432232315}`), at},
		"too late":      {body, at.Add(6 * time.Minute)},
		"from the past": {body, at.Add(-6 * time.Minute)},
	} {
		if err := VerifyWebhook(secret, h, tc.body, tc.at); err == nil {
			t.Errorf("%s: VerifyWebhook succeeded", name)
		}
	}
}
