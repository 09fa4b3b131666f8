package sso

import (
	"net/url"
	"regexp"
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

// directoryID is the form of an Entra ID directory's id: a GUID.
var directoryID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// EntraDirectory checks an Entra ID directory's id, as its admin center
// shows it ("Directory (tenant) ID"), and returns it in lower case. EINVALID
// for anything but a GUID: a domain would name the directory too, but the
// ID tokens' issuer carries its GUID.
func EntraDirectory(id string) (string, error) {
	id = strings.TrimSpace(id)
	if !directoryID.MatchString(id) {
		return "", roster.Errorf(roster.EINVALID, "directory (tenant) ID %q: want a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, from the Overview page of Microsoft Entra ID or of the app registration", id)
	}
	return strings.ToLower(id), nil
}

// EntraIssuer returns the issuer of the v2.0 ID tokens of an Entra ID directory.
func EntraIssuer(directory string) string {
	return "https://" + entraHost + "/" + directory + "/v2.0"
}
