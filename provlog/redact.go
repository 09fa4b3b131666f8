package provlog

import (
	"encoding/json"
	"strings"
)

// MaxBody is how much of a request or response body a row keeps.
const MaxBody = 8 << 10

// MaxReadBody is how much of the response to a successful read a row keeps:
// enough for the start of the resource or list (its totalResults and ids),
// while reads, the most frequent requests, stay cheap to log.
const MaxReadBody = 1 << 10

// secretKeys are attribute names whose values are never kept (compared ignoring case).
var secretKeys = []string{"password", "secret", "token", "client_secret", "privatekey", "private_key"}

// Redact returns body with the values of secret-looking attributes replaced
// and cut to MaxBody bytes; a body that is not JSON is kept only up to MaxBody.
func Redact(body []byte) string {
	return redactCapped(body, MaxBody)
}

// redactCapped is Redact with a size cap.
func redactCapped(body []byte, limit int) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if mayHoldSecret(body) && json.Unmarshal(body, &v) == nil {
		if redactValue(v) {
			if b, err := json.Marshal(v); err == nil {
				body = b
			}
		}
	}
	if len(body) > limit {
		return string(body[:limit]) + "…(truncated)"
	}
	return string(body)
}

// redactValue replaces secret values in v in place and reports whether it did.
func redactValue(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if isSecret(k) {
				x[k] = "REDACTED"
				changed = true
				continue
			}
			// PATCH operations name the attribute in "path".
			if p, ok := x["path"].(string); ok && k == "value" && isSecret(lastName(p)) {
				x[k] = "REDACTED"
				changed = true
				continue
			}
			changed = redactValue(val) || changed
		}
	case []any:
		for _, e := range x {
			changed = redactValue(e) || changed
		}
	}
	return changed
}

func isSecret(key string) bool {
	for _, s := range secretKeys {
		if strings.EqualFold(key, s) {
			return true
		}
	}
	return false
}

// lastName returns the attribute name a PATCH path ends with.
func lastName(path string) string {
	if i := strings.LastIndexAny(path, ":."); i >= 0 {
		return path[i+1:]
	}
	return path
}

// mayHoldSecret reports whether body mentions a secret key at all, so that
// the bodies that do not (nearly all) are never parsed. Every secret key
// contains one of "password", "private" ("private_key"), "secret"
// ("client_secret") or "token": only those words are looked for, each where
// its first letter is.
func mayHoldSecret(body []byte) bool {
	for i, c := range body {
		switch c | 0x20 {
		case 'p':
			if hasPrefixFold(body[i:], "password") || hasPrefixFold(body[i:], "private") {
				return true
			}
		case 's':
			if hasPrefixFold(body[i:], "secret") {
				return true
			}
		case 't':
			if hasPrefixFold(body[i:], "token") {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold reports whether s begins with the lower-case ASCII word w in
// any case.
func hasPrefixFold(s []byte, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := range len(w) {
		if lowerASCII(s[j]) != w[j] {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
