package admin

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rosterhq/roster"
)

// Bounds of a tenant's name and display name.
const (
	MinTenantName        = 2
	MaxTenantName        = 63
	MaxTenantDisplayName = 200 // characters
)

// tenantNameRule is what every refusal of a tenant name says.
const tenantNameRule = "a tenant name is 2 to 63 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen"

// CheckTenantName returns EINVALID unless name is a URL-safe slug: 2 to 63 of
// a-z, 0-9 and '-', starting with a letter, with no "--" and no trailing '-'.
// The name goes into the redirect URIs an IdP registers, and Entra ID refuses
// spaces and slashes there; it is also the label of a DNS name one day.
func CheckTenantName(name string) error {
	if len(name) < MinTenantName || len(name) > MaxTenantName {
		return roster.Errorf(roster.EINVALID, "tenant name %q has %d characters: %s", name, utf8.RuneCountInString(name), tenantNameRule)
	}
	if name[0] < 'a' || name[0] > 'z' || name[len(name)-1] == '-' || strings.Contains(name, "--") {
		return roster.Errorf(roster.EINVALID, "tenant name %q: %s", name, tenantNameRule)
	}
	for _, c := range []byte(name) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return roster.Errorf(roster.EINVALID, "tenant name %q: %s", name, tenantNameRule)
		}
	}
	return nil
}

// CheckTenantDisplayName returns EINVALID for a display name longer than
// MaxTenantDisplayName characters, not UTF-8, or holding control characters.
func CheckTenantDisplayName(s string) error {
	if !utf8.ValidString(s) {
		return roster.Errorf(roster.EINVALID, "a tenant display name must be UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > MaxTenantDisplayName {
		return roster.Errorf(roster.EINVALID, "tenant display name has %d characters, at most %d are allowed", n, MaxTenantDisplayName)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return roster.Errorf(roster.EINVALID, "a tenant display name may not hold control characters (line breaks, tabs)")
	}
	return nil
}
