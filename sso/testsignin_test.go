package sso

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestTestTicket: a ticket comes back to a path of Roster's only, and opens
// for its own purpose only.
func TestTestTicket(t *testing.T) {
	sealer, _ := NewSealer(make([]byte, KeySize))
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, ret := range []string{"https://evil.example/x", "//evil.example/x", "setup", "/a\\b", "/a\r\nSet-Cookie: x"} {
		if _, err := NewTestTicket(sealer, "t1", "setup-link:l1", ret, now); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("NewTestTicket(return %q) = %v, want EINVALID", ret, err)
		}
	}
	ticket, err := NewTestTicket(sealer, "t1", "setup-link:l1", "/setup/sign-in/test?idp=okta", now)
	if err != nil {
		t.Fatal(err)
	}
	var got TestTicket
	if err := openSealed(sealer, purposeTestTicket, ticket, &got); err != nil || got.TenantID != "t1" || got.Owner != "setup-link:l1" ||
		got.Return != "/setup/sign-in/test?idp=okta" || !got.Expires.Equal(now.Add(TestTicketTTL)) || got.ID == "" {
		t.Errorf("ticket opens as %+v, %v", got, err)
	}
	if _, err := OpenTestResult(sealer, ticket, now); err == nil {
		t.Error("a ticket opens as a test result")
	}
	u, _ := url.Parse(TestURL("https://roster.example.com/", "acme", ticket))
	if u.Path != "/sso/acme/test" || u.Query().Get("ticket") != ticket {
		t.Errorf("TestURL = %s", u)
	}
}

// TestTestResultSealed: a result opens within 10 minutes; one too large
// for a cookie loses its long values' ends and then its last claims, saying
// how many; the claims that match a user come first.
func TestTestResultSealed(t *testing.T) {
	sealer, _ := NewSealer(make([]byte, KeySize))
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	groups := make([]string, 150)
	for i := range groups {
		groups[i] = "0b5e1c2d-0000-4000-8000-" + strconv.Itoa(100000000000+i)
	}
	var cs []Claim
	for i := range 40 {
		cs = append(cs, Claim{Name: "x_claim_" + strconv.Itoa(i), Values: []string{strings.Repeat("v", 150)}})
	}
	cs = append(cs, Claim{Name: "groups", Values: groups}, Claim{Name: "long", Values: []string{strings.Repeat("é", 300)}},
		Claim{Name: "oid", Values: []string{"oid-1"}}, Claim{Name: "email", Values: []string{"ada@contoso.com"}})
	res := &TestResult{TenantID: "t1", Owner: "setup-link:l1", At: now, Claims: sortClaims(cs)}
	value := SealTestResult(sealer, res)
	if len(TestResultCookie)+1+len(value) > 4000 {
		t.Errorf("the cookie is %d bytes", len(TestResultCookie)+1+len(value))
	}
	got, err := OpenTestResult(sealer, value, now.Add(9*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.Claims[0].Name != "oid" || got.Email() != "ada@contoso.com" || got.Omitted == 0 || len(got.Claims)+got.Omitted != len(cs) {
		t.Errorf("claims %d (first %s), omitted %d, email %q", len(got.Claims), got.Claims[0].Name, got.Omitted, got.Email())
	}
	if g := got.Groups(); len(g) != maxClaimValues+1 || g[maxClaimValues] != "… and 130 more" {
		t.Errorf("groups %d: %q", len(g), g[len(g)-1])
	}
	if _, err := OpenTestResult(sealer, value, now.Add(11*time.Minute)); err == nil {
		t.Error("a result opens 11 minutes on")
	}
	other, _ := NewSealer(append(make([]byte, KeySize-1), 1))
	if _, err := OpenTestResult(other, value, now); err == nil {
		t.Error("a result opens under another key")
	}
	if _, err := OpenTestResult(sealer, base64.RawURLEncoding.EncodeToString([]byte("forged")), now); err == nil {
		t.Error("a forged result opens")
	}
}
