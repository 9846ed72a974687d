package sweep

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bilancio-go/bilancio/internal/store"
)

// bigSpec is a grid of 100 kappas × 100 concentrations × 10 mus: 100,000
// rings of 100 agents.
func bigSpec(dir string) *Spec {
	var kappas, cs, mus []string
	for i := range 100 {
		kappas = append(kappas, strconv.FormatFloat(0.05+0.05*float64(i), 'f', 2, 64))
		cs = append(cs, strconv.FormatFloat(0.1+0.1*float64(i), 'f', 1, 64))
	}
	for i := range 10 {
		mus = append(mus, strconv.FormatFloat(0.1*float64(i), 'f', 1, 64))
	}
	return &Spec{
		Name: "big", ExperimentDir: dir,
		Ring: RingParams{NAgents: 100, MaturityDays: 10, QTotal: "10000.0", LiquidityMode: "uniform", DefaultHandling: "expel-agent", BaseSeed: 42},
		Grid: Grid{"kappas": kappas, "concentrations": cs, "mus": mus},
	}
}

// BenchmarkPlan100k expands a 100,000-run grid: every point with its seed
// and its key (what `sweep plan -summary` and the runner's planning do
// before any scenario is generated). Memory stays flat: the points are
// streamed, not held.
func BenchmarkPlan100k(b *testing.B) {
	spec := bigSpec(b.TempDir())
	for b.Loop() {
		p, err := NewPlan(spec)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for pt := range p.Static(b.Context()) {
			_ = p.pointKey(&pt)
			n++
		}
		if n != 100000 {
			b.Fatalf("%d runs", n)
		}
	}
}

// bigExperiment writes an experiment folder of 100,000 done runs (the
// million-run harness's, see fillExperiment) and returns its folder.
func bigExperiment(tb testing.TB) string {
	return fillExperiment(tb, filepath.Join(scratchDir(tb, 100000), "out"), millionGrid(100, 100, 10))
}

// BenchmarkStatus100k answers `sweep status` on an experiment of 100,000
// done runs: the journal read, and every run's manifest checked to be there.
func BenchmarkStatus100k(b *testing.B) {
	dir := bigExperiment(b)
	b.ResetTimer()
	for b.Loop() {
		st, err := store.ReadStatus(context.Background(), dir, false)
		if err != nil {
			b.Fatal(err)
		}
		if st.Done != 100000 || st.Pending != 0 {
			b.Fatalf("status %+v", st)
		}
	}
}

// BenchmarkPlanListing100k lists the 100,000 runs of an existing experiment
// with their ids and done state (`sweep plan`): the ids come from the
// journal, so no scenario is generated.
func BenchmarkPlanListing100k(b *testing.B) {
	dir := bigExperiment(b)
	spec := millionGrid(100, 100, 10)
	spec.OutDir = filepath.Dir(dir)
	b.ResetTimer()
	for b.Loop() {
		l, err := ListPlan(context.Background(), spec, "", true, nil, func(PlanEntry) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		if l.Runs != 100000 || l.Done != 100000 {
			b.Fatalf("listing %+v", l)
		}
	}
}

// BenchmarkPlanLHS100k plans a Latin hypercube of 100,000 points and
// streams them (bilancio's draws, then every point's four decimals): the
// memory it holds while planning is the LHS table (48 bytes a point). Its
// time is bilancio's Decimal arithmetic for each value (a division, sums
// and products at 28 digits), far more than a grid point costs
// (BenchmarkPlan100k).
func BenchmarkPlanLHS100k(b *testing.B) {
	spec := &Spec{
		Name: "lhs", ExperimentDir: b.TempDir(),
		Ring: RingParams{NAgents: 100, MaturityDays: 10, QTotal: "10000.0", LiquidityMode: "uniform", DefaultHandling: "expel-agent", BaseSeed: 42},
		LHS:  &LHS{Count: 100000, Ranges: map[string]Range{"kappa": {"0.2", "5.0"}, "concentration": {"0.2", "5.0"}, "mu": {"0.0", "1.0"}, "monotonicity": {"-1.0", "1.0"}}},
	}
	for b.Loop() {
		p, err := NewPlan(spec)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for range p.Static(b.Context()) {
			n++
		}
		if n != 100000 {
			b.Fatalf("%d runs", n)
		}
	}
}
