package sso

import (
	"net/url"
	"strings"

	"github.com/rosterhq/roster"
)

// purposeConnection is what a connection's client secret is sealed for.
const purposeConnection = "roster connection secret"

// SealClientSecret seals a tenant's upstream client secret for the store.
func SealClientSecret(sealer *Sealer, secret string) []byte {
	return sealer.Seal(purposeConnection, []byte(secret))
}

// entraHost is Microsoft Entra ID's sign-in host.
const entraHost = "login.microsoftonline.com"

// NormalizeIssuer checks an upstream issuer and returns it in the form its
// ID tokens carry. Entra ID's "authority" form
// https://login.microsoftonline.com/{directory-id} (as app guides give it) is
// completed with /v2.0, the issuer of Entra's v2.0 tokens. EINVALID for
// anything but an absolute http(s) URL without query or fragment.
func NormalizeIssuer(issuer string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(issuer))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", roster.Errorf(roster.EINVALID, "issuer %q: want an absolute https URL such as https://%s/{directory-id}/v2.0", issuer, entraHost)
	}
	if strings.EqualFold(u.Host, entraHost) {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		switch {
		case len(parts) == 1 && parts[0] != "":
			return "https://" + entraHost + "/" + parts[0] + "/v2.0", nil
		case len(parts) == 2 && parts[1] == "v2.0":
			return "https://" + entraHost + "/" + parts[0] + "/v2.0", nil
		}
		return "", roster.Errorf(roster.EINVALID, "issuer %q: Entra ID's issuer is https://%s/{directory-id}/v2.0", issuer, entraHost)
	}
	return u.String(), nil // kept as given: the ID tokens' iss must equal it exactly
}
