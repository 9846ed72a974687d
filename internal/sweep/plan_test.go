package sweep

import (
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// The Latin hypercube after a 3-run grid draws what bilancio's run_lhs
// draws: its stream seeded with the counter (45) + 7919, the same decimals
// (as str(Decimal) prints them) and seeds 45…49. The expected values were
// computed by bilancio's own _lhs_axis and run_lhs under CPython 3.11.
func TestLHSMatchesBilancio(t *testing.T) {
	want := []struct {
		seed   int64
		params [4]string
	}{
		{45, [4]string{"1.13586152100626528", "3.1403912566955793248", "0.668062338329792960", "0.088074894791912160"}},
		{46, [4]string{"3.317583147659735552", "2.702658568695248576", "0.526321028672037640", "-0.658353097570353000"}},
		{47, [4]string{"2.2960804605291471968", "0.4232549364522531488", "0.173210962309151340", "0.57607794054133960"}},
		{48, [4]string{"4.835995540599896480", "4.859697945226276736", "0.381265806887721940", "0.939615071499143280"}},
		{49, [4]string{"1.581874885720116416", "1.5666454291398568064", "0.977360710911756180", "-0.264615791943772280"}},
	}
	spec := smallSpec(t.TempDir(), 5, "1")
	spec.Grid["concentrations"], spec.Grid["mus"] = []string{"1"}, []string{"0", "0.5", "1"}
	spec.LHS = &LHS{Count: 5, Ranges: map[string]Range{"kappa": {"0.2", "5.0"}, "concentration": {"0.2", "5.0"}, "mu": {"0.0", "1.0"}, "monotonicity": {"-1.0", "1.0"}}}
	p, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	var got []Point
	for pt := range p.Static(t.Context()) {
		if pt.Phase == PhaseLHS {
			got = append(got, pt)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d LHS points, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Seed != w.seed || got[i].Texts() != w.params || got[i].Index != 3+i {
			t.Errorf("point %d: seed %d %v (index %d), want seed %d %v", i, got[i].Seed, got[i].Texts(), got[i].Index, w.seed, w.params)
		}
	}
}

// Where a higher kappa is more liquidity (liquidity-over-debt, bilancio's
// HEAD rule), the frontier search asks for the probes bilancio's
// _run_frontier_cell runs, with the same kappas (as str(Decimal) prints
// them) and the same counter seeds, one cell after the other: here with
// delta_total = max(0, 0.5 − kappa·0.1·c), and a failed run (None) for kappa
// in (2.9, 3.1). The expected sequence was computed by bilancio's own code
// under CPython 3.11.
func TestFrontierMatchesBilancio(t *testing.T) {
	want := `low 0.1 100, high 4.0 101, high 6.00 102, mid 3.05 103, mid 4.525 104, mid 5.2625 105, mid 4.89375 106, mid 4.709375 107, mid 4.8015625 108, ` +
		`low 0.1 109, high 4.0 110, high 6.00 111, high 9.000 112, high 13.5000 113, high 20.25000 114, ` +
		`low 0.1 115, high 4.0 116, high 6.00 117, high 9.000 118, high 13.5000 119, mid 6.8000 120, mid 10.1500 121, mid 8.4750 122, mid 9.3125 123, mid 9.73125 124, mid 9.521875 125`
	spec := &Spec{
		Ring:     RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", BaseSeed: 100, KappaRule: "liquidity-over-debt"},
		Frontier: &Frontier{Cells: Grid{"concentrations": []string{"1", "0.1", "0.5"}, "mus": []string{"0"}, "monotonicities": []string{"0"}}, KappaLow: "0.1", KappaHigh: "4.0", Tolerance: "0.02", MaxIterations: 6},
	}
	p, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	dec := func(s string) pynum.Amount { d, _ := pynum.ParseDecimal(s); return d }
	f := p.Frontier()
	var got []string
	for !f.Done() {
		probes := f.Next()
		if len(probes) != 1 {
			t.Fatalf("%d probes at once with counter seeds, want 1", len(probes))
		}
		pt := probes[0]
		got = append(got, pt.Label+" "+pt.Kappa().String()+" "+itoa(pt.Seed))
		var delta *pynum.Amount
		if !(pynum.Cmp(*pt.Kappa(), dec("2.9")) > 0 && pynum.Cmp(*pt.Kappa(), dec("3.1")) < 0) {
			delta = new(pynum.Sub(dec("0.5"), pynum.Mul(pynum.Mul(*pt.Kappa(), dec("0.1")), *pt.Values[ring.SweptConcentration])))
			if delta.Sign() < 0 {
				delta = new(dec("0"))
			}
		}
		if err := f.Report(pt, delta); err != nil {
			t.Fatal(err)
		}
		if len(got) > 100 {
			t.Fatal("the search does not end")
		}
	}
	if g := strings.Join(got, ", "); g != want {
		t.Errorf("probes:\n%s\nwant:\n%s", g, want)
	}
	res := f.Results()
	if len(res) != 3 || res[0].Kappa.String() != "4.8015625" || res[1].Kappa != nil || res[2].Kappa.String() != "9.73125" {
		t.Errorf("results %+v", res)
	}
	// The brackets: cell 0 between the last failing and clearing probes,
	// cell 1 never cleared (up to 20.25), cell 2 bisected.
	if r := res[0]; r.Low.String() != "4.709375" || r.High.String() != "4.8015625" || r.Bound != "" || !r.Done {
		t.Errorf("cell 0: %+v", r)
	}
	if r := res[1]; r.Low != nil || r.High != nil || r.Bound != BoundNeverClears || !r.Done {
		t.Errorf("cell 1: %+v", r)
	}
	if r := res[2]; r.Low.String() != "9.521875" || r.High.String() != "9.73125" || r.Bound != "" {
		t.Errorf("cell 2: %+v", r)
	}
	if f.Asked() != 26 || p.MaxFrontierProbes() < 26 {
		t.Errorf("asked %d, bound %d", f.Asked(), p.MaxFrontierProbes())
	}
}

// Under debt-over-liquidity (the default: L0 = Q_total/kappa) more
// liquidity is a lower kappa, and the search goes that way: it probes
// kappa_high first (the least liquid end), then kappa_low, halved while the
// ring does not clear (down to kappa_low/4), then bisects. Here delta_total
// = max(0, kappa·0.1·c − 0.02), so a cell clears for kappa ≤ 0.4/c: c = 1
// is bracketed around 0.4, c = 0.01 clears already at kappa_high, and c =
// 100 never clears, not even at 0.025.
func TestFrontierFollowsTheKappaRule(t *testing.T) {
	spec := &Spec{
		Ring:     RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", BaseSeed: 100},
		Frontier: &Frontier{Cells: Grid{"concentrations": []string{"1", "0.01", "100"}, "mus": []string{"0"}, "monotonicities": []string{"0"}}, KappaLow: "0.1", KappaHigh: "4.0", Tolerance: "0.02", MaxIterations: 8},
	}
	p, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	dec := func(s string) pynum.Amount { d, _ := pynum.ParseDecimal(s); return d }
	f := p.Frontier()
	if f.MoreLiquidityAtHigherKappa() {
		t.Fatal("debt-over-liquidity: more liquidity is a lower kappa")
	}
	var got []string
	for !f.Done() {
		for _, pt := range f.Next() {
			got = append(got, pt.Label+" "+pt.Kappa().String())
			delta := pynum.Sub(pynum.Mul(pynum.Mul(*pt.Kappa(), dec("0.1")), *pt.Values[ring.SweptConcentration]), dec("0.02"))
			if delta.Sign() < 0 {
				delta = dec("0")
			}
			if err := f.Report(pt, &delta); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) > 100 {
			t.Fatal("the search does not end")
		}
	}
	want := "high 4.0, low 0.1, mid 2.05, mid 1.075, mid 0.5875, mid 0.34375, mid 0.465625, mid 0.4046875, mid 0.37421875, mid 0.389453125, " +
		"high 4.0, " +
		"high 4.0, low 0.1, low 0.05, low 0.025"
	if g := strings.Join(got, ", "); g != want {
		t.Errorf("probes:\n%s\nwant:\n%s", g, want)
	}
	res := f.Results()
	if r := res[0]; r.Kappa.String() != "0.389453125" || r.Low.String() != "0.389453125" || r.High.String() != "0.4046875" || r.Bound != "" || !r.Done {
		t.Errorf("cell c=1: %+v", r)
	}
	if r := res[1]; r.Kappa.String() != "4.0" || r.Low != nil || r.Bound != BoundClearsAtLeastLiquid || r.Probes != 1 {
		t.Errorf("cell c=0.01: %+v", r)
	}
	if r := res[2]; r.Kappa != nil || r.Bound != BoundNeverClears || r.Probes != 4 {
		t.Errorf("cell c=100: %+v", r)
	}
	if n := p.MaxFrontierProbes(); n < f.Asked() || n != 3*(2+2+8) {
		t.Errorf("at most %d probes, asked %d", n, f.Asked())
	}
}

// With derived seeds every unfinished cell has a probe out at once.
func TestFrontierDerivedIsParallel(t *testing.T) {
	spec := &Spec{
		SeedMode: SeedDerived,
		Ring:     RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", BaseSeed: 1},
		Frontier: &Frontier{Cells: Grid{"concentrations": []string{"1", "2"}, "mus": []string{"0", "1"}}, KappaLow: "0.1", KappaHigh: "4.0", Tolerance: "0.02", MaxIterations: 2},
	}
	p, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	f := p.Frontier()
	probes := f.Next()
	if len(probes) != 4 {
		t.Fatalf("%d probes, want one per cell (4)", len(probes))
	}
	if len(f.Next()) != 0 {
		t.Error("Next asked again before the probes were reported")
	}
	for _, pt := range probes {
		if pt.Seed != derivedSeed(1, &pt) {
			t.Errorf("probe %+v: seed is not derived", pt)
		}
		f.Report(pt, nil)
	}
	if next := f.Next(); len(next) != 4 || next[0].Label != "low" {
		t.Errorf("second round %+v", next)
	}
}

// Invalid specs are refused with every problem named.
func TestNewPlanErrors(t *testing.T) {
	spec := &Spec{
		SeedMode: "random",
		Ring:     RingParams{NAgents: 2, MaturityDays: 0, QTotal: "-1", LiquidityMode: "vector", DefaultHandling: "ignore"},
		Grid:     Grid{"kappas": []string{"0", "x"}, "mus": []string{"2"}},
	}
	_, err := NewPlan(spec)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`seed_mode must be "counter" (bilancio's`, `got "random"`, "n_agents must be between 3 (a ring needs three agents) and 1000000, got 2",
		"maturity_days must be at least 1 (payables fall due on days 1 to maturity_days), got 0",
		"q_total (the total dues S1 of the ring) must be greater than 0, got -1", `liquidity_mode must be "uniform"`, `got "vector"`,
		`default_handling must be "fail-fast"`, `got "ignore"`,
		"grid.kappas: kappa must be greater than 0", `grid.kappas: parse decimal "x"`, "grid: concentrations must list at least one value",
		"grid.mus: mu must be between 0 and 1: it is the lead-lag misalignment of the due days (0: every agent is paid before it pays; 1: after), got 2",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := NewPlan(&Spec{Ring: RingParams{NAgents: 5, MaturityDays: 1, QTotal: "1"}}); err == nil || !strings.Contains(err.Error(), "no design") {
		t.Errorf("no design: %v", err)
	}
	single := smallSpec(t.TempDir(), 5)
	single.Ring.LiquidityMode, single.Ring.LiquidityAgent = "single_at", "H9"
	if _, err := NewPlan(single); err == nil || !strings.Contains(err.Error(), "H9") {
		t.Errorf("liquidity agent outside the ring: %v", err)
	}
}

// Run ids are content hashes: the same scenario, options and engine give
// the same id, anything else another.
func TestRunID(t *testing.T) {
	opts := smallPlan(t).RunOptions()
	a := RunID("grid", []byte("scenario"), opts, EngineVersion)
	if len(a) != len("grid_")+12 || !strings.HasPrefix(a, "grid_") {
		t.Fatalf("id %q", a)
	}
	if RunID("grid", []byte("scenario"), opts, EngineVersion) != a {
		t.Error("the same run has two ids")
	}
	other := opts
	other.DefaultHandling = "fail-fast"
	for _, b := range []string{
		RunID("grid", []byte("scenario2"), opts, EngineVersion),
		RunID("grid", []byte("scenario"), other, EngineVersion),
		RunID("grid", []byte("scenario"), opts, "bilancio-go/engine-2"),
	} {
		if b == a || b[5:] == a[5:] {
			t.Errorf("different runs share the hash %s", a)
		}
	}
}

// smallPlan is the plan of smallSpec.
func smallPlan(t *testing.T) *Plan {
	p, err := NewPlan(smallSpec(t.TempDir(), 5))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(n int64) string { return pynum.Dec(n, 0).String() }
