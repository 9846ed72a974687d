package sweep

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/sdk"
)

// updateIdentity rewrites the golden identity files. Never use it to make a
// failing TestRunIdentityGolden pass: a moved id orphans every finished run
// of every experiment that has it. It exists to add new cases.
var updateIdentity = flag.Bool("update-identity", false, "rewrite testdata/identity/*.golden (adding cases only: ids must never move)")

// identityLines plans spec and describes the identity of its first max
// static runs (all when max is 0): the plan fingerprint, the experiment id,
// and for each run its index, seed, key and id. A paired spec is described
// arm by arm.
func identityLines(t *testing.T, spec *Spec, limit int) []string {
	t.Helper()
	if spec.Paired != nil && spec.Arm == nil {
		_, arms, err := ArmSpecs(spec, "out")
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPlan(spec)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{"paired " + PairedExperimentID(spec, p)}
		for _, a := range arms {
			out = append(out, identityLines(t, a, limit)...)
		}
		return out
	}
	p, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{fmt.Sprintf("plan %s experiment %s", p.Fingerprint(), ExperimentID(spec, p))}
	for pt := range p.Static(t.Context()) {
		if limit > 0 && pt.Index >= limit {
			break
		}
		out = append(out, runLine(t, p, pt))
	}
	return out
}

// runLine is one run's identity line.
func runLine(t *testing.T, p *Plan, pt Point) string {
	t.Helper()
	run, err := p.Materialize(pt)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("run %d seed %d key %s id %s", pt.Index, pt.Seed, run.Key, run.ID)
}

// frontierLines drives spec's frontier search with a made-up delta_total
// (max(0, 0.5 − kappa·0.1·c) where more liquidity is a higher kappa, max(0,
// kappa·0.1·c − 0.02) where it is a lower one) and describes every probe's
// identity.
func frontierLines(t *testing.T, spec *Spec) []string {
	t.Helper()
	p, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{fmt.Sprintf("plan %s experiment %s", p.Fingerprint(), ExperimentID(spec, p))}
	for pt := range p.Static(t.Context()) {
		out = append(out, runLine(t, p, pt))
	}
	dec := func(s string) pynum.Amount { d, _ := pynum.ParseDecimal(s); return d }
	f := p.Frontier()
	for !f.Done() {
		probes := f.Next()
		if len(probes) == 0 {
			t.Fatal("the frontier search stalls")
		}
		for _, pt := range probes {
			out = append(out, runLine(t, p, pt)+" "+pt.Prefix()+" kappa "+pt.Kappa().String())
			delta := pynum.Sub(dec("0.5"), pynum.Mul(pynum.Mul(*pt.Kappa(), dec("0.1")), *pt.Values[ring.SweptConcentration]))
			if !f.MoreLiquidityAtHigherKappa() {
				delta = pynum.Sub(pynum.Mul(pynum.Mul(*pt.Kappa(), dec("0.1")), *pt.Values[ring.SweptConcentration]), dec("0.02"))
			}
			if delta.Sign() < 0 {
				delta = dec("0")
			}
			if err := f.Report(pt, &delta); err != nil {
				t.Fatal(err)
			}
		}
		if len(out) > 500 {
			t.Fatal("the frontier search does not end")
		}
	}
	return out
}

// identityCases are the sweeps whose run identities are pinned: every
// design, both seed modes, every run option a sweep sets, and both kinds of
// paired sweeps.
func identityCases() []struct {
	name  string
	spec  func() *Spec
	limit int
} {
	grid := func() *Spec {
		return &Spec{
			Ring: RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", LiquidityMode: "single_at", LiquidityAgent: "H1",
				DefaultHandling: "fail-fast", BaseSeed: 42, KappaRule: "debt-over-liquidity"},
			Grid: Grid{"kappas": []string{"0.25", "1", "4"}, "concentrations": []string{"0.2", "5"}, "mus": []string{"0", "0.50"}, "monotonicities": []string{"0"}},
		}
	}
	return []struct {
		name  string
		spec  func() *Spec
		limit int
	}{
		{"grid", grid, 0},
		{"grid-derived", func() *Spec { s := grid(); s.SeedMode = SeedDerived; return s }, 0},
		{"grid-replicates", func() *Spec { s := grid(); s.Replicates = 2; return s }, 0},
		{"grid-derived-replicates", func() *Spec { s := grid(); s.Replicates, s.SeedMode = 2, SeedDerived; return s }, 0},
		{"grid-named", func() *Spec { s := grid(); s.Name = "my sweep"; return s }, 3},
		{"grid-no-monotonicities", func() *Spec { s := grid(); s.Grid["monotonicities"] = nil; return s }, 3},
		{"grid-expel-uniform", func() *Spec {
			s := grid()
			s.Ring.LiquidityMode, s.Ring.LiquidityAgent, s.Ring.DefaultHandling = "uniform", "", "expel-agent"
			s.Ring.NamePrefix = "Custom prefix"
			return s
		}, 3},
		{"grid-liquidity-over-debt", func() *Spec { s := grid(); s.Ring.KappaRule = "liquidity-over-debt"; return s }, 3},
		{"grid-run-block", func() *Spec {
			s := grid()
			s.Ring.MaxDays, s.Ring.QuietDays, s.Ring.HasQuietDays = 12, 0, true
			return s
		}, 3},
		{"grid-quiet-days", func() *Spec {
			s := grid()
			s.Ring.QuietDays, s.Ring.HasQuietDays = 4, true
			return s
		}, 3},
		{"lhs", func() *Spec {
			s := grid()
			s.Grid["kappas"] = []string{"1"}
			s.LHS = &LHS{Count: 6, Ranges: map[string]Range{"kappa": {"0.2", "5.0"}, "concentration": {"0.2", "5.0"}, "mu": {"0.0", "1.0"}, "monotonicity": {"-1.0", "1.0"}}}
			return s
		}, 0},
		{"lhs-only-derived", func() *Spec {
			s := grid()
			s.Grid, s.SeedMode = nil, SeedDerived
			s.LHS = &LHS{Count: 4, Ranges: map[string]Range{"kappa": {"0.2", "5.0"}, "concentration": {"0.2", "5.0"}, "mu": {"0.0", "1.0"}}}
			return s
		}, 0},
		{"comparison", func() *Spec { return dealerComparisonSpec("") }, 4},
		{"comparison-truncation", func() *Spec {
			s := dealerComparisonSpec("")
			s.Name, s.Paired.EmulateDisplayTruncation = "", true
			return s
		}, 2},
		{"balanced", func() *Spec {
			s := balancedSpec("")
			s.Paired.OutsideMidRatios = []string{"1.0", "0.5"}
			return s
		}, 4},
		{"balanced-plain", func() *Spec {
			s := balancedSpec("")
			s.Name, s.Paired.DetailedLogging = "", false
			return s
		}, 2},
	}
}

// The ids of runs never move: a sweep of every design plans the runs it
// planned when the golden files were written, with the same seeds, keys
// and ids, and the same plan fingerprints and experiment ids. A failure
// here means finished runs would no longer be found (and be run again):
// fix the code, not the golden file.
func TestRunIdentityGolden(t *testing.T) {
	for _, c := range identityCases() {
		t.Run(c.name, func(t *testing.T) {
			checkGolden(t, c.name, identityLines(t, c.spec(), c.limit))
		})
	}
	t.Run("frontier", func(t *testing.T) {
		spec := &Spec{
			Ring:     RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", BaseSeed: 100, KappaRule: "liquidity-over-debt"},
			Frontier: &Frontier{Cells: Grid{"concentrations": []string{"1", "0.5"}, "mus": []string{"0"}, "monotonicities": []string{"0"}}, KappaLow: "0.1", KappaHigh: "4.0", Tolerance: "0.02", MaxIterations: 4},
		}
		checkGolden(t, "frontier", frontierLines(t, spec))
	})
	t.Run("frontier-debt-over-liquidity", func(t *testing.T) {
		spec := &Spec{
			Ring:     RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", BaseSeed: 100},
			Frontier: &Frontier{Cells: Grid{"concentrations": []string{"1", "100"}, "mus": []string{"0"}, "monotonicities": []string{"0"}}, KappaLow: "0.1", KappaHigh: "4.0", Tolerance: "0.02", MaxIterations: 4},
		}
		checkGolden(t, "frontier-debt-over-liquidity", frontierLines(t, spec))
	})
}

// detailedInstrumentationSpec is the sweep bilancio's
// detailed_instrumentation_sweep ran: balanced rings of 5 agents over five
// ρ, recorded in ring-failfast-n5-bigentity (passive arm) and
// dealer-detailed-n5 (active arm).
func detailedInstrumentationSpec() *Spec {
	s := balancedSpec("")
	s.Name = "detailed_instrumentation_sweep"
	s.Ring.NAgents = 5
	s.Paired.OutsideMidRatios = []string{"1.0", "0.9", "0.8", "0.75", "0.5"}
	return s
}

// The runs of bilancio's recorded sweeps keep their ids: each recorded run
// of the conformance registries is found in the plan of the sweep that
// reproduces it (by phase and seed, checking its parameters), and its id
// here is pinned beside bilancio's.
func TestRecordedRunIdentityGolden(t *testing.T) {
	root := conformance.Root()
	if root == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("../shared/conformance is absent: the recorded registries are needed")
		}
		t.Skip("SKIP (loud): ../shared/conformance is absent, recorded run ids not checked")
	}
	for _, c := range []struct {
		spec func() *Spec
		sets []string
	}{
		{func() *Spec { return dealerComparisonSpec("") }, []string{"ring-expel-n100", "dealer-expel-n100"}},
		{func() *Spec { return balancedSpec("") }, []string{"balanced-passive-n100", "dealer-balanced-n100"}},
		{detailedInstrumentationSpec, []string{"ring-failfast-n5-bigentity", "dealer-detailed-n5"}},
	} {
		spec := c.spec()
		_, arms, err := ArmSpecs(spec, "out")
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, set := range c.sets {
			rows, err := conformance.Registry(root, set)
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, recordedIDs(t, arms, set, rows)...)
		}
		checkGolden(t, "recorded-"+spec.Name, lines)
	}
}

// recordedIDs finds each recorded row's run in the arms' plans and returns
// "set recorded-id id" lines, sorted.
func recordedIDs(t *testing.T, arms [2]*Spec, set string, rows map[string]map[string]string) []string {
	t.Helper()
	type planned struct {
		p  *Plan
		pt Point
	}
	bySeed := map[string]planned{}
	for _, a := range arms {
		p, err := NewPlan(a)
		if err != nil {
			t.Fatal(err)
		}
		for pt := range p.Static(t.Context()) {
			bySeed[fmt.Sprintf("%s/%d", pt.Phase, pt.Seed)] = planned{p, pt}
		}
	}
	var out []string
	for id, row := range rows {
		pl, ok := bySeed[row["phase"]+"/"+row["seed"]]
		if !ok {
			t.Errorf("%s: %s: no planned run of phase %s with seed %s", set, id, row["phase"], row["seed"])
			continue
		}
		tx := pl.pt.Texts()
		if got, want := strings.Join(tx[:], " "), row["kappa"]+" "+row["concentration"]+" "+row["mu"]+" "+row["monotonicity"]; got != want {
			t.Errorf("%s: %s: planned parameters %s, recorded %s", set, id, got, want)
			continue
		}
		run, err := pl.p.Materialize(pl.pt)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, set+" "+id+" "+run.ID)
	}
	sort.Strings(out)
	return out
}

// checkGolden compares lines with testdata/identity/<name>.golden.
func checkGolden(t *testing.T, name string, lines []string) {
	t.Helper()
	path := filepath.Join("testdata", "identity", name+".golden")
	got := strings.Join(lines, "\n") + "\n"
	if *updateIdentity {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (a new case is added with -update-identity)", err)
	}
	want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(want) != len(lines) {
		t.Errorf("%s: %d lines, golden has %d", name, len(lines), len(want))
	}
	for i := range min(len(want), len(lines)) {
		if lines[i] != want[i] {
			t.Errorf("%s line %d moved:\n got %s\nwant %s", name, i+1, lines[i], want[i])
		}
	}
}

// Every field of sdk.RunOptions is part of a run's identity: set alone to a
// value other than its zero, each one changes the canonical encoding, and
// differently from every other field. A field added to sdk.RunOptions fails
// here until canonicalOptions encodes it (see the rules above
// canonicalOptions: appended, left out at its default).
func TestCanonicalOptionsCoverEveryField(t *testing.T) {
	zero := string(canonicalOptions(sdk.RunOptions{}))
	if zero != "{}" {
		t.Errorf("options at their defaults encode to %s, want {}", zero)
	}
	seen := map[string]string{}
	typ := reflect.TypeFor[sdk.RunOptions]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var o sdk.RunOptions
		v := reflect.ValueOf(&o).Elem().Field(i)
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64, reflect.Int32:
			v.SetInt(7)
		case reflect.String:
			v.SetString("x")
		default:
			t.Errorf("sdk.RunOptions.%s: a %s; teach this test and canonicalOptions how to encode it", f.Name, v.Kind())
			continue
		}
		enc := string(canonicalOptions(o))
		if enc == zero {
			t.Errorf("sdk.RunOptions.%s is not part of a run's identity: encode it in canonicalOptions", f.Name)
			continue
		}
		if other, ok := seen[enc]; ok {
			t.Errorf("sdk.RunOptions.%s and .%s encode alike (%s)", f.Name, other, enc)
		}
		seen[enc] = f.Name
	}
}

// The canonical bytes of run options, pinned (they are hashed into every
// run id).
func TestCanonicalOptionsBytes(t *testing.T) {
	for _, c := range []struct {
		o    sdk.RunOptions
		want string
	}{
		{sdk.RunOptions{DefaultHandling: "fail-fast", CheckInvariants: "daily", HTML: true}, `{"default_handling":"fail-fast","check_invariants":"daily","html":true}`},
		{sdk.RunOptions{MaxDays: 12, QuietDays: 3, HasQuietDays: true, DefaultHandling: "expel-agent", CheckInvariants: "daily", HTML: true, DetailedLogging: true, EmulateDisplayTruncation: true},
			`{"max_days":12,"quiet_days":3,"has_quiet_days":true,"default_handling":"expel-agent","check_invariants":"daily","html":true,"detailed_logging":true,"emulate_display_truncation":true}`},
		{sdk.RunOptions{DefaultHandling: "<&>"}, `{"default_handling":"\u003c\u0026\u003e"}`},
	} {
		if got := string(canonicalOptions(c.o)); got != c.want {
			t.Errorf("%+v encodes to\n%s\nwant\n%s", c.o, got, c.want)
		}
	}
}
