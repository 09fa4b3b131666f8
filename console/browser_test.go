package console

import (
	"context"
	"flag"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/browsertest"
)

var screenshots = flag.Bool("screenshots", false, "write a screenshot of every console page to docs/console")

// screenshotDir is where TestConsolePages writes its screenshots: the
// documentation's with -screenshots, else the test's own directory.
func screenshotDir(t *testing.T) string {
	if *screenshots {
		return filepath.Join("..", "docs", "console")
	}
	return t.TempDir()
}

// shotName names the screenshot of a route: its path without the prefix,
// parameters by their names ("tenants-tenant-users").
func shotName(path string) string {
	path = strings.Trim(strings.TrimPrefix(path, Prefix), "/")
	path = strings.NewReplacer("{$}", "", "{", "", "}", "", "/", "-").Replace(path)
	if path == "" {
		return "tenants"
	}
	return path
}

// signInBrowser signs in at the console's form in a real browser.
func signInBrowser(t *testing.T, f *fixture, email string) *browserTab {
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, "sign in as "+email,
		chromedp.Navigate(f.srv.URL+Prefix+"/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="operator"]`)),
	)
	return &browserTab{t: t, f: f, ctx: ctx}
}

// TestConsolePages opens every page of the console in chromium, as an admin,
// checks it with axe-core (no serious or critical violation) and takes its
// screenshot; the sign-in page and a refusal too.
func TestConsolePages(t *testing.T) {
	browsertest.Chromium(t)
	f := newFixture(t, openSQLite(t))
	dir := screenshotDir(t)

	anon := &browserTab{t: t, f: f, ctx: browsertest.New(t)}
	anon.open(Prefix + "/login")
	anon.check("login", dir)

	f.addDrift(t)
	tab := signInBrowser(t, f, adminEmail)
	for _, rt := range New(f.svc, f.db, Options{}).routes() {
		method, path := f.walkPath(t, rt.pattern)
		if method != "GET" || rt.access == public || filepath.Ext(path) != "" { // a file to download (log.csv) is no page
			continue
		}
		_, pattern, _ := strings.Cut(rt.pattern, " ")
		tab.open(path)
		tab.check(shotName(pattern), dir)
	}
	viewer := signInBrowser(t, f, viewerEmail)
	viewer.open(Prefix + "/tenants/acme")
	viewer.check("tenant-as-viewer", dir)

	// The customer's setup pages: the landing page, then every page of a
	// link with every scope, and the page of a session that ended.
	customer := &browserTab{t: t, f: f, ctx: browsertest.New(t)}
	customer.open(admin.SetupPath + "/")
	customer.check("setup-ended", dir)
	customer.open(admin.SetupPath + "?link=" + url.QueryEscape(f.setupLink(t)))
	customer.check("setup-landing", dir)
	browsertest.Do(t, customer.ctx, "start the setup",
		chromedp.Click(chromedp.CSS(`[data-testid="start-setup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="idps"]`)))
	for _, rt := range New(f.svc, f.db, Options{}).setupRoutes() {
		method, path := f.walkPath(t, rt.pattern)
		if method != "GET" || rt.access == public || filepath.Ext(path) != "" { // status.json is no page
			continue
		}
		customer.open(path)
		customer.check(setupShotName(path), dir)
	}
}

// setupShotName names the screenshot of a setup page: "setup-" and its path.
func setupShotName(path string) string {
	name := strings.Trim(strings.TrimPrefix(path, admin.SetupPath), "/")
	if name == "" {
		name = "home"
	}
	return "setup-" + strings.ReplaceAll(name, "/", "-")
}

// browserTab is a chromium tab on a fixture's console.
type browserTab struct {
	t   *testing.T
	f   *fixture
	ctx context.Context
}

// open loads a console path and waits for its main content.
func (b *browserTab) open(path string) {
	b.t.Helper()
	browsertest.Do(b.t, b.ctx, "open "+path, chromedp.Navigate(b.f.srv.URL+path), chromedp.WaitVisible(chromedp.ID("main")))
}

// check runs axe-core on the page and writes its screenshot as name.png in dir.
func (b *browserTab) check(name, dir string) {
	b.t.Helper()
	browsertest.Axe(b.t, b.ctx, name)
	browsertest.Screenshot(b.t, b.ctx, filepath.Join(dir, name+".png"))
}
