package browsertest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/internal/report/experiment"
)

// BenchmarkDashboardLoad measures how long Chromium takes to load and draw
// a dashboard: ns/op is the wall time of a navigation until the runs table
// has rows (the test's clock), ms-drawn the page's own clock from the
// start of the navigation to the end of its script (figures and table
// drawn), bytes the page's size. Issue 13.1 asks ms-drawn ≤ 2000 for the
// 1,000-point LHS. It is a benchmark, not a test: on a loaded machine it is
// slower, and nothing fails.
func BenchmarkDashboardLoad(b *testing.B) {
	br := newBrowser(b)
	b.Run("LHS1000", func(b *testing.B) {
		page := filepath.Join(b.TempDir(), "lhs.html")
		size := writeLHSDashboard(b, page, 1000)
		benchLoad(b, br, page, "#runs tbody tr", size)
	})
	b.Run("Paired12", func(b *testing.B) {
		dir, _ := syntheticPairedExperiment(b)
		page, _, err := experiment.Options{DefaultExecutor: "local"}.WriteReport(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		benchLoad(b, br, page, "#pairs tbody tr", 0)
	})
}

// benchLoad loads page b.N times, waiting for sel.
func benchLoad(b *testing.B, br *browser, page, sel string, size int) {
	b.Helper()
	br.open(b, page, sel) // warm the browser's caches
	drawn, n := 0.0, 0
	for b.Loop() {
		br.open(b, page, sel)
		drawn += eval[float64](b, br, `window.bilancioDrawnMs || performance.now()`)
		n++
	}
	b.ReportMetric(drawn/float64(n), "ms-drawn")
	if size > 0 {
		b.ReportMetric(float64(size), "page-bytes")
	}
	br.noErrors(b, page)
}
