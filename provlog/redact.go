package provlog

import (
	"encoding/binary"
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
	// All of it is looked at: a PATCH operation may name a secret path
	// after the value, which may be before the cut.
	return redactCapped(body, MaxBody, len(body))
}

// redactRead is Redact for the response to a successful read, cut to
// MaxReadBody. Only the part kept is looked at for secret names: a read's
// response holds no PATCH operations, so each secret value in it follows its
// own secret name, and one whose name is past the cut is past the cut too.
func redactRead(body []byte) string {
	return redactCapped(body, MaxReadBody, MaxReadBody)
}

// redactCapped returns body redacted and cut to limit bytes, when its first
// scan bytes name a secret.
func redactCapped(body []byte, limit, scan int) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if mayHoldSecret(body[:min(len(body), scan)]) && json.Unmarshal(body, &v) == nil {
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
// ("client_secret") or "token": only those words are looked for, by their
// first four letters in any case, four bytes compared at once.
func mayHoldSecret(body []byte) bool {
	for i := 0; i+4 < len(body); i++ {
		switch binary.LittleEndian.Uint32(body[i:]) | fold4 {
		case pass:
			if hasPrefixFold(body[i:], "password") {
				return true
			}
		case priv:
			if hasPrefixFold(body[i:], "private") {
				return true
			}
		case secr:
			if hasPrefixFold(body[i:], "secret") {
				return true
			}
		case toke:
			if hasPrefixFold(body[i:], "token") {
				return true
			}
		}
	}
	return false
}

// The first four letters of the words mayHoldSecret looks for, as
// little-endian words; fold4 lower-cases four ASCII letters at once (and
// changes nothing that could then equal a lower-case letter but the letter's
// upper case).
const (
	fold4 = 0x20202020
	pass  = 'p' | 'a'<<8 | 's'<<16 | 's'<<24
	priv  = 'p' | 'r'<<8 | 'i'<<16 | 'v'<<24
	secr  = 's' | 'e'<<8 | 'c'<<16 | 'r'<<24
	toke  = 't' | 'o'<<8 | 'k'<<16 | 'e'<<24
)

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
