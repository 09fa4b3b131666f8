package provlog

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

var update = flag.Bool("update", false, "rewrite docs/errors.md from the catalog")

// TestCatalogDocument keeps docs/errors.md the catalog's own rendering.
func TestCatalogDocument(t *testing.T) {
	var b strings.Builder
	b.WriteString(`# Roster's reason codes

Every failed SCIM request has a row in the provisioning log (` + "`roster log`" + `) with one of these
codes, an explanation an IdP admin can act on, and the request id that ends the ` + "`detail`" + ` of
the SCIM error Entra ID shows in its own provisioning log. Every sign-in and every refusal has a
row too (action ` + "`sign-in`" + `, codes ` + "`signin_…`" + `), its response holding the detail. This page is generated from
` + "`provlog/reason.go`" + ` (` + "`go test ./provlog -update`" + `).

| code | status | what happened | what to do |
| --- | --- | --- | --- |
`)
	for _, r := range Reasons {
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", r.Code, r.Status, r.Explanation, r.Action)
	}
	got := b.String()
	const path = "../docs/errors.md"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != got {
		t.Fatalf("docs/errors.md is not the catalog's rendering (%v): run go test ./provlog -update", err)
	}
}

// TestEveryCodeHasAReason checks that every error code maps to a catalog entry.
func TestEveryCodeHasAReason(t *testing.T) {
	for code, reason := range defaultReason {
		if _, ok := Explain(reason); !ok {
			t.Errorf("code %s: reason %q is not in the catalog", code, reason)
		}
	}
	seen := map[string]bool{}
	for _, r := range Reasons {
		if seen[r.Code] {
			t.Errorf("reason %s listed twice", r.Code)
		}
		seen[r.Code] = true
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&roster.Error{Code: roster.ECONFLICT, Attr: "userName"}, "username_taken"},
		{&roster.Error{Code: roster.EINVALID, Detail: "userName is required", Attr: "userName"}, "required_missing"},
		{&roster.Error{Code: roster.EUNAUTHORIZED, Reason: "token_revoked"}, "token_revoked"},
		{fmt.Errorf("disk on fire"), "internal"},
	} {
		if got := ReasonOf(tc.err); got != tc.want {
			t.Errorf("ReasonOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	got := Redact([]byte(`{"userName":"ada","password":"hunter2","Operations":[{"op":"replace","path":"password","value":"s3cret"}]}`))
	if strings.Contains(got, "hunter2") || strings.Contains(got, "s3cret") || !strings.Contains(got, "ada") {
		t.Errorf("Redact = %s", got)
	}
	long := strings.Repeat("x", MaxBody+10)
	if got := Redact([]byte(long)); len(got) > MaxBody+20 || !strings.HasSuffix(got, "(truncated)") {
		t.Errorf("Redact(long) has %d bytes", len(got))
	}
}

// TestRedactCut checks redaction when a body is cut: a request's whole body
// is looked at (a PATCH operation may name its secret path after the value,
// past the cut); a read's secret before the cut is redacted, and one past it
// is cut away with the rest. (That a read is looked at only up to the cut
// saves CPU on reads longer than the cut; the output does not show it.)
func TestRedactCut(t *testing.T) {
	pad := strings.Repeat(`"x",`, MaxBody/4)
	op := `{"Operations":[{"op":"replace","value":"s3cret","junk":[` + pad + `"x"],"path":"password"}]}`
	if got := Redact([]byte(op)); strings.Contains(got, "s3cret") {
		t.Errorf("Redact(PATCH naming its path after the cut) kept the value: %.80s…", got)
	}
	read := `{"id":"u1","ext":{"token":"tok-1"},"pad":"` + strings.Repeat("y", 2*MaxReadBody) + `","password":"hunter2"}`
	got := redactRead([]byte(read), nil)
	if strings.Contains(got, "tok-1") || !strings.Contains(got, `"token":"REDACTED"`) || len(got) > MaxReadBody+20 {
		t.Errorf("redactRead(a secret before the cut) = %.80s… (%d bytes)", got, len(got))
	}
	clean := `{"id":"u1","pad":"` + strings.Repeat("y", 2*MaxReadBody) + `","password":"hunter2"}`
	if got := redactRead([]byte(clean), nil); got != clean[:MaxReadBody]+"…(truncated)" {
		t.Errorf("redactRead(a secret past the cut) = %.80s…; want the first %d bytes as they are", got, MaxReadBody)
	}
}

func TestMayHoldSecret(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{`{"PassWord":"x"}`, true},
		{`{"client_SECRET":1}`, true},
		{`{"privateKey":1}`, true},
		{`{"pass word":1}`, false},
		{`{"userName":"passwor"}`, false},
		{`xxTOKEN`, true},
		{``, false},
	} {
		if got := mayHoldSecret([]byte(tc.s), nil); got != tc.want {
			t.Errorf("mayHoldSecret(%q) = %v", tc.s, got)
		}
	}
	for _, k := range secretKeys {
		if !mayHoldSecret([]byte(`{"`+k+`":1}`), nil) {
			t.Errorf("mayHoldSecret misses %q", k)
		}
	}
	// Against the plain definition, on random bodies made of the words'
	// letters in both cases and a few others, the words cut anywhere.
	lower := func(b []byte) string {
		out := make([]byte, len(b))
		for i, c := range b {
			out[i] = lowerASCII(c)
		}
		return string(out)
	}
	letters := []byte("passwordPASSWORDprivateSECRETtokenTOKEN\"_:.@`{[")
	rnd := rand.New(rand.NewPCG(7, 9))
	for range 20000 {
		b := make([]byte, rnd.IntN(24))
		for i := range b {
			b[i] = letters[rnd.IntN(len(letters))]
		}
		if rnd.IntN(4) == 0 {
			w := []string{"password", "private", "secret", "token", "PassWord", "tOkEn"}[rnd.IntN(6)]
			at := rnd.IntN(len(b) + 1)
			b = append(b[:at:at], append([]byte(w), b[at:]...)...)
		}
		l := lower(b)
		want := strings.Contains(l, "password") || strings.Contains(l, "private") || strings.Contains(l, "secret") || strings.Contains(l, "token")
		if got := mayHoldSecret(b, nil); got != want {
			t.Fatalf("mayHoldSecret(%q) = %v; want %v", b, got, want)
		}
	}
}

// BenchmarkRedactRead redacts the response to a read of a user (no secret).
func BenchmarkRedactRead(b *testing.B) {
	body := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"id":"0f0a5c2e-8d1b-4f7a-9c3e-2b6d8e1f4a7c","externalId":"4ad2c1f3-5b6e-4c7d-8e9f-0a1b2c3d4e5f","userName":"ada@contoso.com","active":true,` +
		`"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@contoso.com"}],"name":{"formatted":"Ada Lovelace",` +
		`"familyName":"Lovelace","givenName":"Ada"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1815",` +
		`"department":"Analytics","costCenter":"CC-42","organization":"Contoso"},"meta":{"resourceType":"User","created":"2026-11-28T20:00:00.000Z",` +
		`"lastModified":"2026-11-28T20:00:00.000Z","location":"https://roster.example/scim/v2/Users/0f0a5c2e-8d1b-4f7a-9c3e-2b6d8e1f4a7c","version":"W/\"1\""}}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		redactRead(body, nil)
	}
}
