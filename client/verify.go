package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// VerifyWebhook checks a webhook delivery as the Standard Webhooks
// specification says, with the endpoint's signing secret ("whsec_…"): the
// webhook-timestamp within five minutes of now, and one of the "v1,"
// signatures in webhook-signature equal to the HMAC-SHA256 of
// "webhook-id.webhook-timestamp.body". Any Standard Webhooks library does the same.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("roster webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("roster webhook: bad webhook-timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("roster webhook: webhook-timestamp too far from now")
	}
	want, err := signature(secret, id, ts, body)
	if err != nil {
		return err
	}
	for _, sig := range strings.Fields(sigs) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return errors.New("roster webhook: no signature matches")
}

// SignWebhook returns the webhook-signature of a delivery as Roster sends it:
// "v1," and the base64 HMAC-SHA256 of "id.timestamp.body", keyed with the
// base64 part of the "whsec_" secret.
func SignWebhook(secret, id string, ts time.Time, body []byte) (string, error) {
	return signature(secret, id, strconv.FormatInt(ts.Unix(), 10), body)
}

// signature signs id, the timestamp as sent, and body.
func signature(secret, id, ts string, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", errors.New("roster webhook: the secret is not a whsec_ secret")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
