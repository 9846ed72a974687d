package conformance

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/engine"
)

// benchRun is the 100-agent ring of spec/engine.md §7.4 (kappa 2, c 1, mu 1;
// 13 days, 35 defaults).
const benchRun = "comparison_control_00b2d850311d"

// benchDealerRun is benchRun's treatment partner (spec/dealer.md §3.4): the
// same ring with a dealer (43 trades, 13 days).
const benchDealerRun = "comparison_treatment_1bcb63d283c2"

func loadBenchScenario(b *testing.B) *engine.Scenario {
	return loadRecordedScenario(b, "ring-expel-n100", benchRun)
}

func loadRecordedScenario(b *testing.B, set, run string) *engine.Scenario {
	b.Helper()
	root := Root()
	if root == "" {
		b.Skip("../shared/conformance is absent: the benchmark runs a recorded 100-agent ring")
	}
	path := filepath.Join(root, set, "runs", run, "scenario.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	sc, err := engine.Load(path, data)
	if err != nil {
		b.Fatal(err)
	}
	return sc
}

func reportRunsPerSecond(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkEngineRing100 is the engine alone: one 100-agent ring, from a
// loaded scenario to the final state and event log.
func BenchmarkEngineRing100(b *testing.B) {
	sc := loadBenchScenario(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.Run(ctx, sc, engine.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRunsPerSecond(b)
}

// BenchmarkEngineDealerRing100 is BenchmarkEngineRing100's ring with the
// dealer subsystem (December-era instrumentation on, as by default).
func BenchmarkEngineDealerRing100(b *testing.B) {
	sc := loadRecordedScenario(b, "dealer-expel-n100", benchDealerRun)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.Run(ctx, sc, engine.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRunsPerSecond(b)
}

// BenchmarkEngineDealerRing100Outputs adds the metrics and every out/ file,
// the dealer's detailed CSVs included, in memory.
func BenchmarkEngineDealerRing100Outputs(b *testing.B) {
	sc := loadRecordedScenario(b, "dealer-expel-n100", benchDealerRun)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := engine.Run(ctx, sc, engine.Options{DetailedLogging: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := artifacts.RunOutputs(res, benchDealerRun); err != nil {
			b.Fatal(err)
		}
	}
	reportRunsPerSecond(b)
}

// BenchmarkEngineRing100Outputs adds the metrics and the rendering of every
// out/ file in memory.
func BenchmarkEngineRing100Outputs(b *testing.B) {
	sc := loadBenchScenario(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := engine.Run(ctx, sc, engine.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := artifacts.Outputs(res); err != nil {
			b.Fatal(err)
		}
	}
	reportRunsPerSecond(b)
}

// BenchmarkEngineRing100Artifacts is a whole run folder as `bilancio run`
// writes it, minus run.html: engine, metrics, files on disk and manifest.
func BenchmarkEngineRing100Artifacts(b *testing.B) {
	sc := loadBenchScenario(b)
	ctx := context.Background()
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		res, err := engine.Run(ctx, sc, engine.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := artifacts.WriteRun(dir, nil, res, nil, artifacts.RunInfo{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRunsPerSecond(b)
}
