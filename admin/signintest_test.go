package admin_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/sso"
	"github.com/rosterhq/roster/store/sqlite"
)

// TestSetOIDCSignInDirectory: an Entra ID directory's id stands for its
// issuer; anything but a GUID, or a directory with an issuer, is refused.
func TestSetOIDCSignInDirectory(t *testing.T) {
	ctx, svc, _ := newSealedService(t)
	const dir = "72F988BF-86F1-41AF-91AB-2D7CD011DB47"
	for _, in := range []admin.OIDCSignIn{
		{Directory: "contoso.onmicrosoft.com", ClientID: "cid", ClientSecret: "s"},
		{Directory: "common", ClientID: "cid", ClientSecret: "s"},
		{Directory: dir, Issuer: entraIssuer, ClientID: "cid", ClientSecret: "s"},
		{Directory: dir, ClientSecret: "s"},
	} {
		if _, _, err := svc.SetOIDCSignIn(ctx, "acme", in); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("SetOIDCSignIn(directory %q, issuer %q) = %v, want EINVALID", in.Directory, in.Issuer, err)
		}
	}
	_, c, err := svc.SetOIDCSignIn(ctx, "acme", admin.OIDCSignIn{Directory: " " + dir + " ", ClientID: "cid", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"; c.Issuer != want {
		t.Errorf("issuer %q, want %q", c.Issuer, want)
	}
}

// TestSignInTest: a test sign-in starts at the tenant's /sso/…/test address
// once it has a connection, writing no audit row; its outcome opens only for
// the actor who started it, of its tenant, within 10 minutes.
func TestSignInTest(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := sso.ParseKey(sso.NewKey())
	sealer, _ := sso.NewSealer(key)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clk := &clock{t: now}
	svc := admin.New(st, clk.now, slog.New(slog.DiscardHandler)).WithSealer(sealer)
	link := admin.WithActor(ctx, admin.Actor{Kind: "setup-link", Name: "l1", Source: "192.0.2.1"})
	acme, err := svc.CreateTenant(link, "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	globex, err := svc.CreateTenant(link, "globex", "")
	if err != nil {
		t.Fatal(err)
	}

	const ret = "/setup/sign-in/test"
	if _, err := svc.SignInTestURL(link, "acme", "https://roster.example.com", ret); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("SignInTestURL without a connection = %v, want ENOTFOUND", err)
	}
	if _, err := svc.SignInTestURL(link, "nope", "https://roster.example.com", ret); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("SignInTestURL(unknown tenant) = %v, want ENOTFOUND", err)
	}
	if _, _, err := svc.SetOIDCSignIn(link, "acme", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", ClientSecret: "s"}); err != nil {
		t.Fatal(err)
	}
	before, _ := svc.Audit(ctx, "", 0)
	start, err := svc.SignInTestURL(link, "acme", "https://roster.example.com/", ret)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(start)
	if u.Host != "roster.example.com" || u.Path != "/sso/acme/test" || u.Query().Get("ticket") == "" {
		t.Errorf("SignInTestURL = %s", start)
	}
	if _, err := svc.SignInTestURL(link, "acme", "https://roster.example.com/", "https://evil.example/"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("SignInTestURL(another site) = %v, want EINVALID", err)
	}
	if after, _ := svc.Audit(ctx, "", 0); len(after) != len(before) {
		t.Errorf("starting a test wrote %d audit rows", len(after)-len(before))
	}

	sealed := sso.SealTestResult(sealer, &sso.TestResult{TenantID: acme.ID, Owner: "setup-link:l1", At: now,
		Claims: []sso.Claim{{Name: "email", Values: []string{"ada@contoso.com"}}}})
	res, err := svc.SignInTestResult(link, "acme", sealed)
	if err != nil || res.Email() != "ada@contoso.com" {
		t.Fatalf("SignInTestResult = %+v, %v", res, err)
	}
	other := admin.WithActor(ctx, admin.Actor{Kind: "setup-link", Name: "l2"})
	for name, c := range map[string]struct {
		ctx    context.Context
		tenant string
		sealed string
	}{
		"another actor":  {other, "acme", sealed},
		"another tenant": {link, globex.Name, sealed},
		"forged":         {link, "acme", strings.ToUpper(sealed)},
	} {
		if _, err := svc.SignInTestResult(c.ctx, c.tenant, c.sealed); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("%s: SignInTestResult = %v, want EINVALID", name, err)
		}
	}
	clk.add(11 * time.Minute)
	if _, err := svc.SignInTestResult(link, "acme", sealed); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("11 minutes on: SignInTestResult = %v, want EINVALID", err)
	}
}
