// Package browsertest drives Debian's chromium for Roster's browser tests:
// it finds the browser, opens a headless tab, checks a page's accessibility
// with axe-core and takes screenshots.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// Env names the variable that, set, makes a missing browser or axe-core a
// failure rather than a skip; CI sets it.
const Env = "ROSTER_TEST_BROWSER"

// Chromium returns the path of the browser. Without one the test is skipped,
// and says so, unless ROSTER_TEST_BROWSER is set, when it fails.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(Env) != "" {
		t.Fatal(Env + " is set but no chromium is installed (apt-get install chromium)")
	}
	t.Skip("no chromium: the browser test needs Debian's chromium (apt-get install chromium)")
	return ""
}

// New starts a headless chromium and returns the context of a tab in it,
// closed when t ends.
func New(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Chromium(t)), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// timeout bounds each step list a test runs.
const timeout = 30 * time.Second

// Do runs steps in the tab, failing t with what on error.
func Do(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Run runs one action in the tab and returns its value, failing t with what on error.
func Run[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// axePath is where npm installs axe-core for the tests (see testdata/package.json).
func axePath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "node_modules", "axe-core", "axe.min.js")
}

// axeScript reads axe-core. Without it the test is skipped, saying how to
// install it, unless ROSTER_TEST_BROWSER is set, when it fails.
func axeScript(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(axePath())
	if err != nil {
		msg := "axe-core is not installed: npm ci --prefix internal/browsertest/testdata"
		if os.Getenv(Env) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return string(b)
}

// violation is one rule axe-core found broken, with the elements that break it.
type violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// Axe runs axe-core on the tab's page and fails t for every serious or
// critical violation, naming the page.
func Axe(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	Do(t, ctx, "loading axe-core on "+name, chromedp.Evaluate[chromedp.Void](axeScript(t)))
	raw := Run(t, ctx, "axe-core on "+name, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	var vs []violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe-core on %s: %v", name, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		t.Errorf("axe-core on %s: %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
}

// Screenshot writes a PNG of the whole page to path.
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	png := Run(t, ctx, "screenshot "+path, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// GrantClipboard lets pages of origin read and write the clipboard without
// asking, so that a test can read what a copy button copied.
func GrantClipboard(t testing.TB, ctx context.Context, origin string) {
	t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: origin})
		if err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
}
