package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is a headless Chromium tab that records console errors and
// uncaught exceptions.
type browser struct {
	ctx context.Context
	mu  sync.Mutex
	bad []string
}

// chromiumPath returns the Chromium binary to use, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("BILANCIO_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" { // .ci/run installs it: never skip there
			t.Fatalf("Chromium not found at %s under CI", p)
		}
		t.Skipf("SKIPPING the browser test: Chromium not found at %s (apt-get install chromium, or set BILANCIO_CHROMIUM)", p)
	}
	return p
}

// artifactDir is where screenshots go: $BILANCIO_TEST_ARTIFACTS or a
// temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BILANCIO_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts Chromium with a fresh profile; it is stopped when the
// test ends.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.listen))
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first action starts the browser, for the tab's lifetime (so
	// without a timeout); later actions run under the test's deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancelTime := context.WithTimeout(ctx, 40*time.Second)
	t.Cleanup(cancelTime)
	b.ctx = ctx
	return b
}

// listen records console errors and warnings, uncaught exceptions and
// error log entries (failed loads, for instance). It runs on the tab's
// reader goroutine, so it only appends under the lock.
func (b *browser) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.record(fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.record(fmt.Sprintf("exception at %s:%d:%d: %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, msg))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.record(fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

func (b *browser) record(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bad = append(b.bad, s)
}

// errors returns and clears the recorded console errors and exceptions.
func (b *browser) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.bad
	b.bad = nil
	return out
}

// open loads a local file and waits for sel to be in the page.
func (b *browser) open(t *testing.T, path, sel string) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+abs), chromedp.WaitReady(sel)); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// count is the number of elements matching a CSS selector.
func (b *browser) count(t *testing.T, sel string) int {
	t.Helper()
	return eval[int](t, b, fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

// screenshot saves a PNG of the element sel (the whole page when sel is
// "") as name in the artifact directory.
func (b *browser) screenshot(t *testing.T, dir, name, sel string) {
	t.Helper()
	act := chromedp.FullScreenshot(100)
	if sel != "" {
		act = chromedp.Screenshot(sel)
	}
	png, err := chromedp.Run(b.ctx, act)
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// noErrors fails the test if the page logged errors or threw.
func (b *browser) noErrors(t *testing.T, page string) {
	t.Helper()
	for _, e := range b.errors() {
		t.Errorf("%s: %s", page, e)
	}
}

// noOverflow fails the test if an element's content spills out of its box
// (a table wider than its section, a label wider than its cell) or the page
// scrolls sideways. Scrolling containers (overflow other than visible) and
// SVG internals are allowed.
func (b *browser) noOverflow(t *testing.T, page string) {
	t.Helper()
	bad := eval[[]string](t, b, `(() => {
  const bad = [];
  for (const e of document.querySelectorAll("body *")) {
    if (e.closest("svg") && e.tagName !== "svg") continue;
    const cs = getComputedStyle(e);
    if (cs.display === "inline" || cs.display === "none" || cs.overflowX !== "visible" || e.clientWidth === 0) continue;
    if (e.closest("[style*=overflow], .scroll")) continue;
    if (e.scrollWidth > e.clientWidth + 1) bad.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + e.className : "") + ": " + e.scrollWidth + " px of content in " + e.clientWidth + " px");
  }
  const d = document.documentElement;
  if (d.scrollWidth > d.clientWidth + 1) bad.unshift("the page scrolls sideways: " + d.scrollWidth + " > " + d.clientWidth + " px");
  return bad.slice(0, 12);
})()`)
	for _, s := range bad {
		t.Errorf("%s: overflow: %s", page, s)
	}
}
