package provlog

import (
	"encoding/binary"
	"encoding/json"
	"net/url"
	"strings"
)

// MaxBody is how much of a request or response body a row keeps.
const MaxBody = 8 << 10

// MaxReadBody is how much of the response to a successful read a row keeps:
// enough for the start of the resource or list (its totalResults and ids),
// while reads, the most frequent requests, stay cheap to log.
const MaxReadBody = 1 << 10

// secretKeys are attribute names whose values are never kept (compared
// ignoring case), besides those a tenant's schemas say are never returned.
var secretKeys = []string{"password", "secret", "token", "client_secret", "privatekey", "private_key"}

// redacted replaces a secret value.
const redacted = "REDACTED"

// notKept replaces a body that may hold a secret but is not JSON, so that
// its secret cannot be found and replaced.
const notKept = "(not JSON, not kept: it may hold a secret)"

// Redact returns body with the values of secret attributes replaced and cut
// to MaxBody bytes; a body that is not JSON is kept only up to MaxBody, and
// not at all when it names a secret. Secret attributes are those named by
// secretKeys and by names (a tenant's attributes returned "never", RFC 7643
// §2.2), in any case and in every form a SCIM request may name them: a key,
// a key qualified by its schema URN, or the path of a PATCH operation
// (plain, URN-qualified or a value path), whose value is then replaced.
func Redact(body []byte, names ...string) string {
	// All of it is looked at: a PATCH operation may name a secret path
	// after the value, which may be before the cut.
	return redactCapped(body, MaxBody, len(body), names, true)
}

// redactRead is Redact for the response to a successful read, cut to
// MaxReadBody. Only the part kept is looked at for secret names: a read's
// response holds no PATCH operations, so each secret value in it follows its
// own secret name, and one whose name is past the cut is past the cut too.
func redactRead(body []byte, names []string) string {
	return redactCapped(body, MaxReadBody, MaxReadBody, names, false)
}

// redactCapped returns body redacted and cut to limit bytes, when its first
// scan bytes name a secret. A whole body (not cut by whoever kept it) that
// names a secret but is not JSON is not kept.
func redactCapped(body []byte, limit, scan int, names []string, whole bool) string {
	if len(body) == 0 {
		return ""
	}
	if mayHoldSecret(body[:min(len(body), scan)], names) {
		var v any
		if json.Unmarshal(body, &v) != nil {
			if whole {
				return notKept
			}
		} else if redactValue(v, names) {
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

// redactQuery returns the query string q with the value of every parameter
// that names a secret replaced: a filter may compare a secret attribute
// with a value ("password eq …"). A query naming none is returned as it is.
func redactQuery(q string, names []string) string {
	if q == "" {
		return q
	}
	plain, err := url.QueryUnescape(q)
	if err == nil && !mayHoldSecret([]byte(plain), names) {
		return q
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return notKept
	}
	for k, vs := range v {
		for i, x := range vs {
			if mayHoldSecret([]byte(x), names) {
				vs[i] = redacted
			}
		}
		v[k] = vs
	}
	return v.Encode()
}

// redactJSON returns the JSON text b with its secret values replaced; b
// itself when it names none.
func redactJSON(b []byte, names []string) []byte {
	if len(b) == 0 || !mayHoldSecret(b, names) {
		return b
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	if !redactValue(v, names) {
		return b
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return out
}

// redactValue replaces secret values in v in place and reports whether it did.
func redactValue(v any, names []string) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		// A PATCH operation names its attribute in "path", in any case.
		secretPath := false
		for k, val := range x {
			if p, ok := val.(string); ok && equalFold(k, "path") && isSecret(attrName(p), names) {
				secretPath = true
			}
		}
		for k, val := range x {
			if isSecret(attrName(k), names) || secretPath && equalFold(k, "value") {
				if val != redacted {
					x[k] = redacted
					changed = true
				}
				continue
			}
			changed = redactValue(val, names) || changed
		}
	case []any:
		for _, e := range x {
			changed = redactValue(e, names) || changed
		}
	}
	return changed
}

func isSecret(key string, names []string) bool {
	for _, s := range secretKeys {
		if equalFold(key, s) {
			return true
		}
	}
	for _, s := range names {
		if equalFold(key, s) {
			return true
		}
	}
	return false
}

// attrName returns the name of the attribute a key or PATCH path ends with:
// "password" of "password", "urn:…:User:password", "x[type eq \"a\"].password"
// or "password[value pr]". Value filters (in brackets, whose strings may hold
// anything) are skipped.
func attrName(path string) string {
	name, depth, quoted := "", 0, false
	start := 0
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case depth > 0 && c == '"':
			quoted = true
		case c == '[':
			if depth == 0 && i > start {
				name = path[start:i]
			}
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
			start = i + 1
		case depth == 0 && (c == ':' || c == '.'):
			start = i + 1
			name = ""
		}
	}
	if start < len(path) && depth == 0 {
		name = path[start:]
	}
	return strings.TrimSpace(name)
}

func equalFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range len(s) {
		if lowerASCII(s[i]) != lowerASCII(t[i]) {
			return false
		}
	}
	return true
}

// mayHoldSecret reports whether body mentions a secret key at all, so that
// the bodies that do not (nearly all) are never parsed. Every key of
// secretKeys contains one of "password", "private" ("private_key"), "secret"
// ("client_secret") or "token": only those words are looked for, by their
// first four letters in any case, four bytes compared at once. A "\u"
// escape may spell any of them, so a body with one is parsed too; so is one
// naming any of names, which a tenant's schemas add (rarely).
func mayHoldSecret(body []byte, names []string) bool {
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
		if body[i] == '\\' && body[i+1]|0x20 == 'u' {
			return true
		}
	}
	for _, n := range names {
		if n != "" && !isSecret(n, nil) && containsFold(body, n) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the ASCII word w in any case.
func containsFold(s []byte, w string) bool {
	lw := []byte(w)
	for i := range lw {
		lw[i] = lowerASCII(lw[i])
	}
	for i := 0; i+len(lw) <= len(s); i++ {
		if lowerASCII(s[i]) == lw[0] && hasPrefixFold(s[i:], string(lw)) {
			return true
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
