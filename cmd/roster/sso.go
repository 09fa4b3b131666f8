package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/sso"
)

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runClient manages the host app's OAuth clients of Roster's OpenID Provider.
func runClient(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("client: want create, list or revoke")
	}
	cmd, err := newCommand("client "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var (
		name     string
		redirect stringList
		public   bool
	)
	switch args[0] {
	case "create":
		cmd.fs.StringVar(&name, "name", "", "a label to tell clients apart")
		cmd.fs.Var(&redirect, "redirect-uri", "a redirect URI of the app (repeat for several); compared exactly, but for the port of a --public app's loopback URI")
		cmd.fs.BoolVar(&public, "public", false, "a native or mobile app: no secret, PKCE required")
	case "list", "revoke":
	default:
		return unknownSubcommand("client", args[0])
	}
	if err := cmd.open(ctx, args[1:], stderr); err != nil {
		return err
	}
	defer cmd.store.Close()

	switch args[0] {
	case "create":
		if len(redirect) == 0 {
			return fmt.Errorf("client create: want at least one --redirect-uri")
		}
		secret, c, err := cmd.admin.CreateClient(ctx, name, redirect, public)
		if err != nil {
			return fmt.Errorf("client create: %w", err)
		}
		fmt.Fprintf(stdout, "client_id=%s\n", c.ID)
		if !public {
			fmt.Fprintf(stderr, "roster: OAuth client %q created; its secret is shown only once\n", name)
			fmt.Fprintf(stdout, "client_secret=%s\n", secret)
		}
		return nil
	case "list":
		cs, err := cmd.admin.Clients(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT ID\tNAME\tTYPE\tREDIRECT URIS\tCREATED\tSTATUS")
		for _, c := range cs {
			kind, status := "confidential", "live"
			if c.Public {
				kind = "public"
			}
			if !c.Revoked.IsZero() {
				status = "revoked " + stamp(c.Revoked)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, kind, strings.Join(c.RedirectURIs, " "), stamp(c.Created), status)
		}
		return tw.Flush()
	}
	if len(cmd.args) != 1 {
		return fmt.Errorf("client revoke: want one client ID (see roster client list)")
	}
	if err := cmd.admin.RevokeClient(ctx, cmd.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: OAuth client %s revoked\n", cmd.args[0])
	return nil
}

// runSSO manages tenants' sign-in connections and Roster's signing keys.
func runSSO(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("sso: want set, get, remove or rotate-key")
	}
	cmd, err := newCommand("sso "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	switch args[0] {
	case "set":
		return setConnection(ctx, cmd, args[1:], stderr)
	case "get":
		return getConnection(ctx, cmd, args[1:], stdout, stderr)
	case "remove":
		return removeConnection(ctx, cmd, args[1:], stderr)
	case "rotate-key":
		return rotateKey(ctx, cmd, args[1:], stderr)
	}
	return unknownSubcommand("sso", args[0])
}

// setConnection stores a tenant's upstream connection: OIDC, its client
// secret sealed; or SAML, the IdP's metadata and the service provider's key
// pair (generated on the first set, the private key sealed).
func setConnection(ctx context.Context, cmd *command, args []string, stderr io.Writer) error {
	var tenant, kind, metadata string
	var o oidcFlags
	var idpInitiated bool
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	cmd.fs.StringVar(&kind, "type", roster.ConnectionOIDC, "connection type: oidc or saml")
	cmd.fs.StringVar(&o.issuer, "issuer", "", "oidc: the IdP's issuer; Entra ID: https://login.microsoftonline.com/{directory-id}/v2.0")
	cmd.fs.StringVar(&o.clientID, "client-id", "", "oidc: the application (client) id registered at the IdP")
	cmd.fs.StringVar(&o.secret, "client-secret", "", "oidc: the client secret; - reads it from stdin")
	cmd.fs.StringVar(&o.cert, "client-certificate", "", "oidc, instead of a secret: generate (a key pair made by Roster, kept by later sets) or a PEM certificate file, with --client-key")
	cmd.fs.StringVar(&o.key, "client-key", "", "oidc: the PEM private key (RSA) of the --client-certificate file")
	cmd.fs.StringVar(&metadata, "metadata", "", "saml: the IdP's metadata XML, a file or an https URL (Entra: the Federation Metadata XML)")
	cmd.fs.BoolVar(&idpInitiated, "idp-initiated", false, "saml: accept responses the IdP sends without a request of Roster's (within a sign-in the app started)")
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	switch kind {
	case roster.ConnectionOIDC:
		return setOIDCConnection(ctx, cmd, tenant, o, stderr)
	case roster.ConnectionSAML:
		return setSAMLConnection(ctx, cmd, tenant, metadata, idpInitiated, stderr)
	}
	return fmt.Errorf("sso set: --type %q: want oidc or saml", kind)
}

// oidcFlags are the flags of sso set for an OIDC connection.
type oidcFlags struct {
	issuer, clientID string
	secret           string // or "-": from stdin
	cert, key        string // cert: "generate" or a PEM file, key: a PEM file
}

// generateCertificate is the --client-certificate value that has Roster make
// the key pair.
const generateCertificate = "generate"

func setOIDCConnection(ctx context.Context, cmd *command, tenant string, f oidcFlags, stderr io.Writer) error {
	if tenant == "" || f.issuer == "" || f.clientID == "" || (f.secret == "") == (f.cert == "") {
		return fmt.Errorf("sso set: want --tenant, --issuer, --client-id and one of --client-secret and --client-certificate")
	}
	if (f.key != "") != (f.cert != "" && f.cert != generateCertificate) {
		return fmt.Errorf("sso set: --client-key goes with --client-certificate FILE (not with generate)")
	}
	o, err := f.signIn()
	if err != nil {
		return err
	}
	sealer, err := cmd.cfg.sealer()
	if err != nil {
		return fmt.Errorf("sso set: %w", err)
	}
	t, c, err := cmd.admin.WithSealer(sealer).SetOIDCSignIn(ctx, tenant, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: tenant %q signs in through %s\n", t.Name, c.Issuer)
	if c.UsesCertificate() {
		fmt.Fprintf(stderr, "roster: register its certificate at the IdP (roster sso get --tenant %s prints it)\n", t.Name)
	}
	return nil
}

// signIn reads the credential the flags name: the client secret, from stdin
// for "-"; or the certificate and key files.
func (f oidcFlags) signIn() (admin.OIDCSignIn, error) {
	o := admin.OIDCSignIn{Issuer: f.issuer, ClientID: f.clientID, ClientSecret: f.secret, GenerateCertificate: f.cert == generateCertificate}
	switch {
	case f.secret == "-":
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return o, fmt.Errorf("sso set: reading the client secret: %w", err)
		}
		if o.ClientSecret = strings.TrimSpace(line); o.ClientSecret == "" {
			return o, fmt.Errorf("sso set: no client secret on stdin")
		}
	case f.cert != "" && !o.GenerateCertificate:
		var err error
		if o.CertificatePEM, err = os.ReadFile(f.cert); err != nil {
			return o, fmt.Errorf("sso set: --client-certificate: %w", err)
		}
		if o.KeyPEM, err = os.ReadFile(f.key); err != nil {
			return o, fmt.Errorf("sso set: --client-key: %w", err)
		}
	}
	return o, nil
}

func setSAMLConnection(ctx context.Context, cmd *command, tenant, metadata string, idpInitiated bool, stderr io.Writer) error {
	if tenant == "" || metadata == "" {
		return fmt.Errorf("sso set: want --tenant and --metadata")
	}
	in := admin.SAMLSignIn{IdPInitiated: idpInitiated}
	if strings.HasPrefix(metadata, "https://") || strings.HasPrefix(metadata, "http://") {
		in.MetadataURL = metadata
	} else {
		var err error
		if in.Metadata, err = os.ReadFile(metadata); err != nil {
			return fmt.Errorf("sso set: --metadata: %w", err)
		}
	}
	sealer, err := cmd.cfg.sealer()
	if err != nil {
		return fmt.Errorf("sso set: %w", err)
	}
	t, m, err := cmd.admin.WithSealer(sealer).SetSAMLSignIn(ctx, tenant, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: tenant %q signs in through SAML IdP %s (%d signing certificates)\n", t.Name, m.EntityID, len(m.Certificates))
	return nil
}

// getConnection prints what to paste into the IdP, and the connection.
func getConnection(ctx context.Context, cmd *command, args []string, stdout, stderr io.Writer) error {
	var tenant string
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	cmd.fs.StringVar(&cmd.cfg.PublicURL, "public-url", cmd.cfg.PublicURL, "Roster's public URL (env ROSTER_PUBLIC_URL); default: the one the last server to start recorded")
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	t, err := cmd.admin.Tenant(ctx, tenant)
	if err != nil {
		return err
	}
	base, err := cmd.admin.PublicURL(ctx, cmd.cfg.PublicURL, "http://"+cmd.cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "redirect_uri=%s\n", sso.CallbackURL(base, t.Name))
	fmt.Fprintf(stdout, "saml_entity_id=%s\nsaml_acs_url=%s\nsaml_metadata_url=%s\n",
		sso.SAMLEntityID(base, t.Name), sso.SAMLACSURL(base, t.Name), sso.SAMLMetadataURL(base, t.Name))
	_, c, err := cmd.admin.SignInConnection(ctx, t.ID)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		fmt.Fprintf(stderr, "roster: tenant %q has no connection yet: roster sso set --tenant %s --type oidc|saml …\n", t.Name, t.Name)
		return nil
	}
	if err != nil {
		return err
	}
	if c.Type == roster.ConnectionSAML {
		fmt.Fprintf(stdout, "type=%s\nidp_entity_id=%s\nidp_initiated=%t\nupdated=%s\n", c.Type, c.Issuer, c.IdPInitiated, stamp(c.Updated))
		return nil
	}
	fmt.Fprintf(stdout, "type=%s\nissuer=%s\nclient_id=%s\n", c.Type, c.Issuer, c.ClientID)
	if !c.UsesCertificate() {
		fmt.Fprintf(stdout, "client_credential=secret\nupdated=%s\n", stamp(c.Updated))
		return nil
	}
	cert, err := x509.ParseCertificate(c.Certificate)
	if err != nil {
		return fmt.Errorf("sso get: the connection's certificate: %w", err)
	}
	s256, s1 := sso.Thumbprints(c.Certificate)
	fmt.Fprintf(stdout, "client_credential=certificate\nclient_certificate_sha256=%s\nclient_certificate_sha1=%s\nclient_certificate_expires=%s\nupdated=%s\n%s",
		s256, s1, stamp(cert.NotAfter), stamp(c.Updated), sso.CertificatePEM(c.Certificate))
	return nil
}

// removeConnection removes a tenant's connection: its people no longer sign
// in through an IdP.
func removeConnection(ctx context.Context, cmd *command, args []string, stderr io.Writer) error {
	var tenant string
	cmd.fs.StringVar(&tenant, "tenant", "", "tenant name or id")
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	if tenant == "" {
		return fmt.Errorf("sso remove: want --tenant")
	}
	t, err := cmd.admin.RemoveSignIn(ctx, tenant)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: tenant %q no longer signs in through an IdP; roster sso set connects one again\n", t.Name)
	return nil
}

// rotateKey adds a signing key that signs from now on; the others stay in
// the JWKS for the overlap, so that tokens they signed stay verifiable.
func rotateKey(ctx context.Context, cmd *command, args []string, stderr io.Writer) error {
	var alg string
	var overlap time.Duration
	cmd.fs.StringVar(&alg, "alg", roster.ES256, "ES256 or RS256")
	cmd.fs.DurationVar(&overlap, "overlap", 24*time.Hour, "how long the previous keys stay published")
	if err := cmd.open(ctx, args, stderr); err != nil {
		return err
	}
	defer cmd.store.Close()
	sealer, err := cmd.cfg.sealer()
	if err != nil {
		return fmt.Errorf("sso rotate-key: %w", err)
	}
	k, err := cmd.admin.WithSealer(sealer).RotateSigningKey(ctx, alg, overlap)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roster: signing key %s (%s) signs from now on; the previous keys leave the JWKS in %s\n", k.ID, k.Algorithm, overlap)
	return nil
}

// tenantSignInFlags are the flags of tenant update that name the tenant in
// authorization requests.
type tenantSignInFlags struct {
	organization string
	domains      stringList
}

func (f *tenantSignInFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.organization, "organization", "", `the host app's id for the customer ("" clears it)`)
	fs.Var(&f.domains, "domain", "a verified email domain of the tenant, for login_hint (repeat for several; replaces the list; \"\" clears it)")
}

// update adds the flags given to u.
func (f *tenantSignInFlags) update(fs *flag.FlagSet, u *admin.TenantUpdate) {
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "organization":
			u.Organization = &f.organization
		case "domain":
			u.Domains, u.SetDomains = f.domains, true
		}
	})
}
