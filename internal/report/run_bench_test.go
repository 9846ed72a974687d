package report

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/engine"
)

// ring100 is the conformance suite's 100-agent expel-agent ring, simulated
// with daily snapshots.
const ring100 = "../../../shared/conformance/ring-expel-n100/runs/comparison_control_00b2d850311d/scenario.yaml"

// loadRing runs the scenario at path with snapshots, skipping when the
// shared conformance data is absent.
func loadRing(tb testing.TB, path string) (*engine.Scenario, *engine.Result) {
	tb.Helper()
	if strings.Contains(path, "shared/conformance") {
		conformance.Require(tb)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := engine.Load(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := engine.Run(context.Background(), sc, engine.Options{Snapshots: true})
	if err != nil {
		tb.Fatal(err)
	}
	return sc, res
}

// BenchmarkWriteRunHTMLRing100 renders the run.html page of a 100-agent ring.
func BenchmarkWriteRunHTMLRing100(b *testing.B) {
	sc, res := loadRing(b, ring100)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteRunHTML(&buf, sc, res, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

// BenchmarkWriteRunHTMLRing5 renders the run.html page of a 5-agent ring of
// bilancio's ring sweep (testdata/ring5.yaml): the page a sweep of small
// rings writes for every run.
func BenchmarkWriteRunHTMLRing5(b *testing.B) {
	sc, res := loadRing(b, "testdata/ring5.yaml")
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteRunHTML(&buf, sc, res, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}
