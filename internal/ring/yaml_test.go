package ring

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// checkScenarioYAML generates p and checks that its scenario.yaml is
// pyyaml.Marshal of its document, byte for byte; direct tells whether
// scenarioYAML wrote it.
func checkScenarioYAML(t *testing.T, p Params) (direct bool) {
	t.Helper()
	g, err := Generate(p)
	if err != nil {
		return false
	}
	want, err := pyyaml.Marshal(g.Doc)
	if err != nil {
		t.Fatalf("%+v: Marshal: %v", p, err)
	}
	if string(g.YAML) != string(want) {
		t.Fatalf("prefix %q, n %d, handling %q: scenario.yaml\n%s\nMarshal writes\n%s", p.NamePrefix, p.NAgents, p.DefaultHandling, g.YAML, want)
	}
	// GenerateYAML writes the same scenario, with the same values, without
	// the document.
	y, err := GenerateYAML(p, nil)
	if err != nil {
		t.Fatalf("%+v: GenerateYAML: %v", p, err)
	}
	if string(y.YAML) != string(g.YAML) || y.Name != g.Name || y.Description != g.Description || y.S1.String() != g.S1.String() || y.L0.String() != g.L0.String() || len(y.Payables) != len(g.Payables) {
		t.Fatalf("prefix %q, n %d: GenerateYAML differs from Generate:\n%s\n%s", p.NamePrefix, p.NAgents, y.YAML, g.YAML)
	}
	var mints, amounts []pyyaml.Node
	var due []int
	for _, a := range g.Liquidity {
		if a.Sign() > 0 {
			mints = append(mints, decimalNode(a))
		}
	}
	for _, pay := range g.Payables {
		amounts, due = append(amounts, decimalNode(pay.Amount)), append(due, pay.DueDay)
	}
	_, direct = scenarioYAML(g, mints, amounts, due, p.DefaultHandling, nil)
	return direct
}

// Generate writes scenario.yaml as pyyaml.Marshal writes its document, for
// bilancio's ring sweep grid and for names, settings and amounts the
// direct writer leaves to Marshal.
func TestScenarioYAML(t *testing.T) {
	base := func() Params {
		return Params{NAgents: 5, Seed: 42, Kappa: dec(t, "0.5"), QTotal: dec(t, "500"), Concentration: dec(t, "0.1"),
			Monotonicity: dec(t, "0.25"), MaturityDays: 5, Mu: dec(t, "0.3"), Liquidity: SingleAt, LiquidityAgent: "H1",
			DefaultHandling: "expel-agent", NamePrefix: "Kalecki Ring Sweep"}
	}
	// bilancio's 13,500-run grid, every fourth point.
	i := 0
	for _, k := range []string{"0.1", "0.15", "0.2", "0.3", "0.4", "0.5", "0.75", "1", "1.5", "2", "2.5", "3", "4", "5", "6"} {
		for _, c := range []string{"0.1", "0.2", "0.3", "0.4", "0.5", "0.75", "1", "2", "3", "5"} {
			for _, mu := range []string{"0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "1.0"} {
				for _, m := range []string{"-1.0", "-0.75", "-0.5", "-0.25", "0.0", "0.25", "0.5", "0.75", "1.0"} {
					if i++; i%4 != 0 {
						continue
					}
					p := base()
					p.Seed = int64(42 + i)
					p.Kappa, p.Concentration, p.Mu, p.Monotonicity = dec(t, k), dec(t, c), dec(t, mu), dec(t, m)
					if !checkScenarioYAML(t, p) {
						t.Fatalf("grid point %s %s %s %s left to Marshal", k, c, mu, m)
					}
				}
			}
		}
	}
	for _, tt := range []struct {
		name   string
		change func(*Params)
		direct bool
	}{
		{"uniform liquidity, 40 agents", func(p *Params) { p.Liquidity, p.NAgents = Uniform, 40 }, true},
		{"no default handling", func(p *Params) { p.DefaultHandling = "" }, true},
		{"fail-fast", func(p *Params) { p.DefaultHandling = "fail-fast" }, true},
		{"default handling read as a bool", func(p *Params) { p.DefaultHandling = "true" }, false},
		{"default handling with a space", func(p *Params) { p.DefaultHandling = "expel agent" }, false},
		{"default handling with an indicator", func(p *Params) { p.DefaultHandling = "-x" }, false},
		{"quoted prefix", func(p *Params) { p.NamePrefix = "'Ring': #1" }, true},
		{"non-ASCII prefix", func(p *Params) { p.NamePrefix = "Ring \u03b2 sweep" }, true},
		{"long prefix", func(p *Params) {
			p.NamePrefix = "A rather long name prefix that folds the name line past the width of eighty"
		}, true},
		{"prefix with a line break", func(p *Params) { p.NamePrefix = "two\nlines" }, true},
		{"huge totals", func(p *Params) { p.QTotal = dec(t, "1E+30") }, true},
		{"tiny totals", func(p *Params) { p.QTotal = dec(t, "0.00007"); p.Concentration = dec(t, "0.2") }, true},
		{"quiet days and max days", func(p *Params) { q := 0; p.QuietDays, p.MaxDays = &q, 45 }, true},
	} {
		p := base()
		tt.change(&p)
		if got := checkScenarioYAML(t, p); got != tt.direct {
			t.Errorf("%s: written directly %v, want %v", tt.name, got, tt.direct)
		}
	}
}

func FuzzScenarioYAML(f *testing.F) {
	f.Add("Kalecki Ring Sweep", "expel-agent", uint8(5), int64(42), "500", "0.5")
	f.Add("x: #y", "fail-fast", uint8(3), int64(1), "0.01", "3")
	f.Add("", "null", uint8(12), int64(-7), "1E+20", "0.05")
	f.Fuzz(func(t *testing.T, prefix, handling string, n uint8, seed int64, total, conc string) {
		q, err := ParseDecimal(total)
		c, err2 := ParseDecimal(conc)
		if err != nil || err2 != nil || n > 60 {
			return
		}
		kappa, mono, mu := pynum.Dec(5, -1), pynum.Dec(25, -2), pynum.Dec(3, -1)
		p := Params{NAgents: 3 + int(n%30), Seed: seed, Kappa: &kappa, QTotal: &q, Concentration: &c,
			Monotonicity: &mono, MaturityDays: 1 + int(n%7), Mu: &mu, DefaultHandling: handling,
			NamePrefix: prefix}
		if n%2 == 0 {
			p.Liquidity, p.LiquidityAgent = SingleAt, "H"+strconv.Itoa(1+int(n)%3)
		}
		checkScenarioYAML(t, p)
	})
}

// Runs that share Heads (a grid's, from goroutines at once, monotonicity
// innermost as in a sweep) get the scenario.yaml Generate writes, head and
// all, whichever run's head was remembered.
func TestGenerateYAMLHeads(t *testing.T) {
	var heads Heads
	var params []Params
	for _, kappa := range []string{"0.5", "2"} {
		for _, c := range []string{"0.3", "1"} {
			for _, m := range []string{"-1", "0", "0.5"} {
				k, conc, mono := mustDec(t, kappa), mustDec(t, c), mustDec(t, m)
				q, mu := pynum.Dec(500, 0), pynum.Dec(3, -1)
				params = append(params, Params{NAgents: 5, Seed: int64(42 + len(params)), Kappa: k, QTotal: &q, Concentration: conc,
					Monotonicity: mono, Mu: &mu, MaturityDays: 5, Liquidity: SingleAt, LiquidityAgent: "H1",
					DefaultHandling: "expel-agent", NamePrefix: "Kalecki Ring Sweep"})
			}
		}
	}
	errs := make(chan error, 2)
	for w := range 2 {
		go func() {
			for i := w; i < len(params); i += 2 {
				want, err := Generate(params[i])
				if err != nil {
					errs <- err
					return
				}
				got, err := GenerateYAML(params[i], &heads)
				if err != nil {
					errs <- err
					return
				}
				if string(got.YAML) != string(want.YAML) {
					errs <- fmt.Errorf("run %d: GenerateYAML with heads\n%s\nGenerate\n%s", i, got.YAML, want.YAML)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
