package provlog

import (
	"flag"
	"fmt"
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
		if got := mayHoldSecret([]byte(tc.s)); got != tc.want {
			t.Errorf("mayHoldSecret(%q) = %v", tc.s, got)
		}
	}
	for _, k := range secretKeys {
		if !mayHoldSecret([]byte(`{"` + k + `":1}`)) {
			t.Errorf("mayHoldSecret misses %q", k)
		}
	}
}
