package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// ringScenario generates the ring of n households that the benchmarks run:
// bilancio's ring sweep example (examples/kalecki/ring_sweep_config.yaml)
// at kappa 0.5, c 1, mu 0.5, with L0 spread evenly and expel-agent.
func ringScenario(tb testing.TB, n int) []byte {
	tb.Helper()
	g, err := ring.Generate(ring.Params{
		NAgents: n, Seed: 42, Kappa: new(pynum.Dec(5, -1)), QTotal: new(pynum.Dec(int64(100*n), 0)),
		Concentration: new(pynum.Dec(1, 0)), Mu: new(pynum.Dec(5, -1)), MaturityDays: 5,
		Liquidity: ring.Uniform, DefaultHandling: engine.ExpelAgent,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return g.YAML
}

// benchDir is a folder for run folders: on tmpfs when there is one, so that
// the file system's noise does not swamp the work measured.
func benchDir(b *testing.B) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "bilancio-bench-")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}

// cpuTime is the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs f b.N times and reports runs/s and CPU per run (the
// process's user + system time, garbage collection included) besides the
// usual ns/op, B/op and allocs/op.
func measure(b *testing.B, f func(i int)) {
	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		f(i)
		i++
	}
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(i), "cpu-ns/op")
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkRunFolder is one whole run as a sweep's worker does it: load
// the generated scenario, simulate it, compute the metrics, render every
// out/ file and run.html, and write the run folder (manifest last) on
// tmpfs; each iteration writes a new folder.
func BenchmarkRunFolder(b *testing.B) {
	for _, n := range []int{5, 100} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			scenario := ringScenario(b, n)
			dir := benchDir(b)
			ctx := context.Background()
			measure(b, func(i int) {
				_, err := Run(ctx, Request{
					ScenarioName: "ring.yaml", Scenario: scenario, HTML: true,
					OutDir: filepath.Join(dir, fmt.Sprintf("run%07d", i)),
				})
				if err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkRunStages splits BenchmarkRunFolder's run into its stages.
func BenchmarkRunStages(b *testing.B) {
	for _, n := range []int{5, 100} {
		scenario := ringScenario(b, n)
		sc, err := engine.Load("ring.yaml", scenario)
		if err != nil {
			b.Fatal(err)
		}
		res, err := engine.Run(context.Background(), sc, engine.Options{Snapshots: true})
		if err != nil {
			b.Fatal(err)
		}
		files, rep, err := artifacts.Outputs(res)
		if err != nil {
			b.Fatal(err)
		}
		_ = files
		b.Run(fmt.Sprintf("agents=%d/load", n), func(b *testing.B) {
			measure(b, func(int) {
				if _, err := engine.Load("ring.yaml", scenario); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(fmt.Sprintf("agents=%d/engine", n), func(b *testing.B) {
			measure(b, func(int) {
				if _, err := engine.Run(context.Background(), sc, engine.Options{Snapshots: true}); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(fmt.Sprintf("agents=%d/outputs", n), func(b *testing.B) {
			measure(b, func(int) {
				if _, _, err := artifacts.Outputs(res); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(fmt.Sprintf("agents=%d/html", n), func(b *testing.B) {
			var buf bytes.Buffer
			measure(b, func(int) {
				buf.Reset()
				if err := report.WriteRunHTML(&buf, sc, res, Summary(rep)); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkScaling is the cost of one run against the ring's size (issue
// 12.5), so that a sweep's cost can be predicted: for 10, 100, 1,000 and
// 10,000 agents, the whole run (run: as BenchmarkRunFolder, with the bytes
// of the folder it writes as artifact-bytes/op) and its stages (load,
// engine, outputs, html). Every stage is linear in the number of agents,
// or n log n where it sorts (the metrics' positions, the dealer files):
// ns/op divided by the agents should stay about flat down each stage's
// column. (From 1,000 to 10,000 agents the engine costs somewhat more
// than 10 times as much: its 44 MB no longer fit the caches and take more
// collections; no step of it is quadratic — the last ones were removed.)
func BenchmarkScaling(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) { benchScaling(b, n) })
	}
}

// benchScaling is BenchmarkScaling for n agents.
func benchScaling(b *testing.B, n int) {
	{
		scenario := ringScenario(b, n)
		sc, err := engine.Load("ring.yaml", scenario)
		if err != nil {
			b.Fatal(err)
		}
		res, err := engine.Run(context.Background(), sc, engine.Options{Snapshots: true})
		if err != nil {
			b.Fatal(err)
		}
		_, rep, err := artifacts.Outputs(res)
		if err != nil {
			b.Fatal(err)
		}
		prefix := ""
		b.Run(prefix+"run", func(b *testing.B) {
			dir := benchDir(b)
			ctx := context.Background()
			var bytes int64
			measure(b, func(i int) {
				out, err := Run(ctx, Request{
					ScenarioName: "ring.yaml", Scenario: scenario, HTML: true,
					OutDir: filepath.Join(dir, fmt.Sprintf("run%07d", i)),
				})
				if err != nil {
					b.Fatal(err)
				}
				if bytes == 0 {
					for _, f := range out.Folder.Manifest.Files {
						bytes += f.Size
					}
				}
			})
			b.ReportMetric(float64(bytes), "artifact-bytes/op")
		})
		b.Run(prefix+"load", func(b *testing.B) {
			measure(b, func(int) {
				if _, err := engine.Load("ring.yaml", scenario); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(prefix+"engine", func(b *testing.B) {
			measure(b, func(int) {
				if _, err := engine.Run(context.Background(), sc, engine.Options{}); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(prefix+"outputs", func(b *testing.B) {
			measure(b, func(int) {
				if _, _, err := artifacts.Outputs(res); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(prefix+"html", func(b *testing.B) {
			var buf bytes.Buffer
			measure(b, func(int) {
				buf.Reset()
				if err := report.WriteRunHTML(&buf, sc, res, Summary(rep)); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// sweepRings generates rings like the runs of bilancio's ring sweep
// (scripts/bench-sweep.sh: n = 5, q_total 500, maturity 5, single_at H1,
// expel-agent) at 135 points of its grid: κ, c, μ and monotonicity each at
// a few of the grid's values.
func sweepRings(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, kappa := range []int64{1, 5, 10, 20, 60} { // tenths: 0.1 … 6
		for _, c := range []int64{1, 10, 50} { // tenths: 0.1, 1, 5
			for _, mu := range []int64{0, 5, 10} { // tenths
				for _, mono := range []int64{-1, 0, 1} {
					g, err := ring.Generate(ring.Params{
						NAgents: 5, Seed: 42 + int64(len(out)), Kappa: new(pynum.Dec(kappa, -1)), QTotal: new(pynum.Dec(500, 0)),
						Concentration: new(pynum.Dec(c, -1)), Mu: new(pynum.Dec(mu, -1)), Monotonicity: new(pynum.Dec(mono, 0)),
						MaturityDays: 5, Liquidity: ring.SingleAt, LiquidityAgent: "H1", DefaultHandling: engine.ExpelAgent,
					})
					if err != nil {
						tb.Fatal(err)
					}
					out = append(out, g.YAML)
				}
			}
		}
	}
	return out
}

// BenchmarkSweepRuns is the work of one run of the ring sweep, averaged
// over sweepRings (an op is one run, the rings taken in turn): the out/
// files and metrics (outputs), run.html (html), and the whole run with its
// folder written on tmpfs (run), as the sweep's worker does it.
func BenchmarkSweepRuns(b *testing.B) {
	type run struct {
		sc  *engine.Scenario
		res *engine.Result
		sum *report.RunSummary
	}
	scenarios := sweepRings(b)
	runs := make([]run, len(scenarios))
	for i, y := range scenarios {
		sc, err := engine.Load("ring.yaml", y)
		if err != nil {
			b.Fatal(err)
		}
		res, err := engine.Run(context.Background(), sc, engine.Options{Snapshots: true})
		if err != nil {
			b.Fatal(err)
		}
		_, rep, err := artifacts.Outputs(res)
		if err != nil {
			b.Fatal(err)
		}
		runs[i] = run{sc, res, Summary(rep)}
	}
	b.Run("outputs", func(b *testing.B) {
		measure(b, func(i int) {
			if _, _, err := artifacts.Outputs(runs[i%len(runs)].res); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("html", func(b *testing.B) {
		var buf bytes.Buffer
		measure(b, func(i int) {
			r := runs[i%len(runs)]
			buf.Reset()
			if err := report.WriteRunHTML(&buf, r.sc, r.res, r.sum); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("run", func(b *testing.B) {
		dir := benchDir(b)
		ctx := context.Background()
		measure(b, func(i int) {
			_, err := Run(ctx, Request{
				ScenarioName: "ring.yaml", Scenario: scenarios[i%len(scenarios)], HTML: true,
				OutDir: filepath.Join(dir, fmt.Sprintf("run%07d", i)),
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	})
}
