package webhook

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The example of the Standard Webhooks specification.
const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTS     = 1614265330
	specBody   = `{"test": 2432232314}`
	specSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignSpecExample(t *testing.T) {
	got, err := Sign(specSecret, specID, time.Unix(specTS, 0), []byte(specBody))
	if err != nil || got != specSig {
		t.Fatalf("Sign = %q, %v; want %q", got, err, specSig)
	}
}

func TestVerify(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", specID)
	h.Set("webhook-timestamp", strconv.Itoa(specTS))
	h.Set("webhook-signature", "v1,bm90IGl0 "+specSig)
	at := time.Unix(specTS, 0)
	if err := Verify(specSecret, h, []byte(specBody), at.Add(time.Minute)); err != nil {
		t.Errorf("Verify = %v", err)
	}
	if err := Verify(specSecret, h, []byte(specBody+" "), at); err == nil {
		t.Errorf("Verify of a changed body succeeded")
	}
	if err := Verify(specSecret, h, []byte(specBody), at.Add(10*time.Minute)); err == nil {
		t.Errorf("Verify of an old timestamp succeeded")
	}
	if err := Verify("whsec_"+"AAAA", h, []byte(specBody), at); err == nil {
		t.Errorf("Verify with another secret succeeded")
	}
}
