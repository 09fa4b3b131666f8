package doctor

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/sso"
)

// Names of the checks of what expires.
const (
	nameTokens       = "tokens"
	nameCertificates = "certificates"
)

// How far ahead the checks look, and how many findings a result names.
const (
	tokenHorizon       = 14 * day
	certificateHorizon = 30 * day
	maxListed          = 3
)

// checkTokens warns about the SCIM tokens, not revoked, that expire within
// tokenHorizon: the IdP's provisioning stops when its token expires.
func (d *Doctor) checkTokens(ctx context.Context, db Database, tenants []*roster.Tenant) Result {
	r := Result{Name: nameTokens}
	now := d.now()
	var soon []string
	var first *roster.Tenant
	for _, t := range tenants {
		toks, err := db.Tokens(ctx, t.ID)
		if err != nil {
			r.Verdict, r.Detail = Fail, fmt.Sprintf("cannot list the tokens of tenant %s: %v", t.Name, err)
			return r
		}
		for _, k := range toks {
			if !k.Revoked.IsZero() || k.Expires.IsZero() || k.Expires.Before(now) || k.Expires.After(now.Add(tokenHorizon)) {
				continue
			}
			if first == nil {
				first = t
			}
			soon = append(soon, fmt.Sprintf("tenant %s token %s… (id %s) expires %s", t.Name, k.Prefix, k.ID, k.Expires.UTC().Format(time.DateOnly)))
		}
	}
	if len(soon) == 0 {
		r.Detail = fmt.Sprintf("none expires within %d days", tokenHorizon/day)
		return r
	}
	r.Verdict = Warn
	r.Detail = listed(soon) + ": the IdP's provisioning stops when its token expires"
	r.Fix = fmt.Sprintf("roster token create --tenant %s --expires 365d, paste it into the IdP's provisioning settings, then roster token revoke ID", first.Name)
	return r
}

// certificate is one certificate a sign-in connection depends on.
type certificate struct {
	tenant string
	what   string // what it is, and what to do when it expires
	fix    string
	cert   *x509.Certificate
}

// checkCertificates warns about the certificates of sign-in connections that
// expire within certificateHorizon, and fails on those already expired:
// Roster's own (an OIDC connection's client certificate, a SAML
// connection's service provider certificate) and the IdP's SAML signing
// certificates. Only their tenant, role and expiry are printed.
func (d *Doctor) checkCertificates(ctx context.Context, db Database, tenants []*roster.Tenant) Result {
	r := Result{Name: nameCertificates}
	now := d.now()
	var soon, expired []string
	var fixes []string
	for _, t := range tenants {
		certs, err := connectionCertificates(ctx, db, t)
		if err != nil {
			r.Verdict, r.Detail = Fail, err.Error()
			return r
		}
		for _, c := range certs {
			line := fmt.Sprintf("tenant %s %s (serial %s) expires %s", c.tenant, c.what, c.cert.SerialNumber, c.cert.NotAfter.UTC().Format(time.DateOnly))
			switch {
			case now.After(c.cert.NotAfter):
				expired = append(expired, line)
			case now.Add(certificateHorizon).After(c.cert.NotAfter):
				soon = append(soon, line)
			default:
				continue
			}
			if !slices.Contains(fixes, c.fix) {
				fixes = append(fixes, c.fix)
			}
		}
	}
	switch {
	case len(expired) > 0:
		r.Verdict = Fail
		r.Detail = listed(append(expired, soon...)) + ": sign-in through the tenant's IdP fails past a certificate's expiry"
	case len(soon) > 0:
		r.Verdict = Warn
		r.Detail = listed(soon) + ": sign-in through the tenant's IdP fails past a certificate's expiry"
	default:
		r.Detail = fmt.Sprintf("none of the sign-in connections' certificates expires within %d days", certificateHorizon/day)
		return r
	}
	r.Fix = strings.Join(fixes, "; ")
	return r
}

// connectionCertificates returns the certificates of the tenant's sign-in
// connection: none without one.
func connectionCertificates(ctx context.Context, db Database, t *roster.Tenant) ([]certificate, error) {
	c, err := db.SSOConnection(ctx, t.ID)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the sign-in connection of tenant %s: %w", t.Name, err)
	}
	var certs []certificate
	if len(c.Certificate) > 0 {
		cert, err := x509.ParseCertificate(c.Certificate)
		if err != nil {
			return nil, fmt.Errorf("tenant %s: the connection's certificate: %w", t.Name, err)
		}
		own := certificate{tenant: t.Name, cert: cert, what: "OIDC client certificate",
			fix: fmt.Sprintf("roster sso set --tenant %s --type oidc … --client-certificate generate, then register the new certificate (roster sso get) at the IdP", t.Name)}
		if c.Type == roster.ConnectionSAML {
			own.what = "SAML service provider certificate"
			own.fix = fmt.Sprintf("roster sso remove --tenant %s and roster sso set --tenant %s --type saml --metadata … give it a new one; register the new metadata (roster sso get) at the IdP", t.Name, t.Name)
		}
		certs = append(certs, own)
	}
	if c.Type == roster.ConnectionSAML {
		m, err := sso.ParseIdPMetadata([]byte(c.Metadata))
		if err != nil {
			return nil, fmt.Errorf("tenant %s: the IdP's SAML metadata: %w", t.Name, err)
		}
		for _, cert := range m.Certificates {
			certs = append(certs, certificate{tenant: t.Name, cert: cert, what: "IdP SAML signing certificate",
				fix: fmt.Sprintf("once the IdP has a new signing certificate, read its metadata again: roster sso set --tenant %s --type saml --metadata URL", t.Name)})
		}
	}
	return certs, nil
}

// listed joins the first maxListed findings and counts the rest.
func listed(findings []string) string {
	if len(findings) <= maxListed {
		return strings.Join(findings, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(findings[:maxListed], "; "), len(findings)-maxListed)
}
