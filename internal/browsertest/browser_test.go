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
	ctx context.Context // the tab's
	mu  sync.Mutex
	bad []string
}

// actionTimeout bounds each browser action (a navigation, a screenshot, an
// evaluation) so that a hung browser fails the test rather than the whole
// run; it is no measure of speed (benchmarks measure that), so it is
// generous enough for a machine under heavy load.
const actionTimeout = 3 * time.Minute

// chromiumPath returns the Chromium binary to use, or skips the test.
func chromiumPath(t testing.TB) string {
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
func artifactDir(t testing.TB) string {
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
func newBrowser(t testing.TB) *browser {
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
	// without a timeout); later actions each run under actionTimeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b.ctx = ctx
	return b
}

// run runs browser actions under actionTimeout.
func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// do runs an action that returns a value under actionTimeout.
func do[T any](b *browser, act chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	return chromedp.Run(ctx, act)
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
func (b *browser) open(t testing.TB, path, sel string) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.run(chromedp.Navigate("file://"+abs), chromedp.WaitReady(sel)); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t testing.TB, b *browser, expr string) T {
	t.Helper()
	v, err := do(b, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// count is the number of elements matching a CSS selector.
func (b *browser) count(t testing.TB, sel string) int {
	t.Helper()
	return eval[int](t, b, fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

// screenshot saves a PNG of the element sel (the whole page when sel is
// "") as name in the artifact directory.
func (b *browser) screenshot(t testing.TB, dir, name, sel string) {
	t.Helper()
	act := chromedp.FullScreenshot(100)
	if sel != "" {
		act = chromedp.Screenshot(sel)
	}
	png, err := do(b, act)
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
func (b *browser) noErrors(t testing.TB, page string) {
	t.Helper()
	for _, e := range b.errors() {
		t.Errorf("%s: %s", page, e)
	}
}

// noOverflow fails the test if an element's content spills out of its box
// (a table wider than its section, a label wider than its cell), a figure's
// text is cut off by its SVG's edges (an axis label longer than the plot),
// or the page scrolls sideways. Scrolling containers (overflow other than
// visible) are allowed.
func (b *browser) noOverflow(t testing.TB, page string) {
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
  for (const svg of document.querySelectorAll("svg")) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0 || svg.closest("[hidden], details:not([open])")) continue;
    for (const tx of svg.querySelectorAll("text")) {
      const r = tx.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        const fig = svg.closest("figure");
        const cap = fig && (fig.querySelector("figcaption span") || fig.querySelector("figcaption"));
        const name = (cap ? cap.textContent.trim().slice(0, 40) : svg.getAttribute("class")) || "svg";
        bad.push("figure " + JSON.stringify(name) + ": text " + JSON.stringify(tx.textContent.slice(0, 40)) + " cut off by the figure's edge");
      }
    }
  }
  const d = document.documentElement;
  if (d.scrollWidth > d.clientWidth + 1) bad.unshift("the page scrolls sideways: " + d.scrollWidth + " > " + d.clientWidth + " px");
  return bad.slice(0, 12);
})()`)
	for _, s := range bad {
		t.Errorf("%s: overflow: %s", page, s)
	}
}

// captureDownloads makes the page keep what it offers for download
// (page.js's save: a blob URL clicked through a download link) instead of
// downloading it, for downloaded to read.
func (b *browser) captureDownloads(t testing.TB) {
	t.Helper()
	eval[any](t, b, `(() => {
  window.__saved = [];
  const make = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob) => { const url = make(blob); window.__saved.push({ url, blob, name: "" }); return url; };
  HTMLAnchorElement.prototype.click = function () {
    const s = window.__saved.find((x) => x.url === this.href);
    if (s && this.download) s.name = this.download;
  };
})()`)
}

// download is a file the page offered: its name, MIME type, size and,
// for text, its content.
type download struct {
	Name, Type string
	Size       int
	Text       string
}

// downloaded clicks the element sel and returns the file it offers
// (waiting for it: a PNG is drawn asynchronously).
func (b *browser) downloaded(t testing.TB, sel string) download {
	t.Helper()
	d, err := do(b, chromedp.Evaluate[download](fmt.Sprintf(`(async () => {
  const n = window.__saved.length;
  document.querySelector(%q).click();
  for (let i = 0; i < 600 && !(window.__saved.length > n && window.__saved[window.__saved.length - 1].name); i++) await new Promise((ok) => setTimeout(ok, 50));
  const s = window.__saved[window.__saved.length - 1];
  if (!s || window.__saved.length === n) return { Name: "", Type: "", Size: 0, Text: "" };
  const text = /^(text|image\/svg)/.test(s.blob.type) ? await s.blob.text() : "";
  return { Name: s.name, Type: s.blob.type, Size: s.blob.size, Text: text };
})()`, sel), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download from %s: %v", sel, err)
	}
	if d.Name == "" {
		t.Errorf("clicking %s offered no download", sel)
	}
	return d
}

// checkDownloads checks the downloads of a page: a figure as SVG and as
// PNG (the buttons of the figure fig), and the table as shown as CSV with
// rows data rows.
func (b *browser) checkDownloads(t testing.TB, page, fig, csvButton string, rows int) {
	t.Helper()
	b.captureDownloads(t)
	if d := b.downloaded(t, fig+" figcaption .dl button:first-child"); d.Type != "image/svg+xml" || !strings.Contains(d.Text, "<svg") || !strings.HasSuffix(d.Name, ".svg") {
		t.Errorf("%s: the figure's SVG download is %q, %s, %d bytes", page, d.Name, d.Type, d.Size)
	}
	if d := b.downloaded(t, fig+" figcaption .dl button:last-child"); d.Type != "image/png" || d.Size < 1000 || !strings.HasSuffix(d.Name, ".png") {
		t.Errorf("%s: the figure's PNG download is %q, %s, %d bytes", page, d.Name, d.Type, d.Size)
	}
	d := b.downloaded(t, csvButton)
	lines := strings.Split(strings.TrimSuffix(d.Text, "\n"), "\n")
	if d.Type != "text/csv" || !strings.HasSuffix(d.Name, ".csv") || len(lines) != rows+1 {
		t.Errorf("%s: the table's CSV download is %q, %s, %d lines, want a header and %d rows", page, d.Name, d.Type, len(lines), rows)
	}
}
