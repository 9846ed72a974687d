package ring_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// Regenerating bilancio's recorded ring scenarios (spec/engine.md §10.7,
// §15). Which recorded sets come from this generator:
//
//   - ring-expel-n100: the control arm of dealer_comparison_100; every
//     registry row is regenerated, run, and compared (S1, L0, phi_total,
//     delta_total, time_to_stability and scenario.yaml).
//   - dealer-expel-n100: its treatment arm, the same rings plus a dealer
//     block. The engine does not run dealers, so only S1, L0 and
//     scenario.yaml are compared.
//   - ring-expel-n5 and ring-failfast-n5: older n = 5 sweeps without a
//     registry, by the ring.Original generator revision; the seed follows from the grid position (base seed 42, loop
//     order kappa → c → mu), and scenario.yaml and events.jsonl are compared.
//   - balanced-passive-n100, dealer-balanced-n100, dealer-detailed-n5 and
//     ring-failfast-n5-bigentity (rings plus big-entity agents) come from
//     bilancio's balanced generator (ring.GenerateBalanced, spec/dealer.md §12);
//     balanced_conformance_test.go regenerates every one of their runs and
//     compares scenario.yaml, S1 and L0.

// rowParams are the generator parameters of a data-era registry row, as
// bilancio's RingSweepRunner passes them (spec §9.1).
func rowParams(t *testing.T, row map[string]string, prefix string) ring.Params {
	t.Helper()
	n, err1 := strconv.Atoi(row["n_agents"])
	seed, err2 := strconv.ParseInt(row["seed"], 10, 64)
	days, err3 := strconv.Atoi(row["maturity_days"])
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatalf("bad registry row %v", row)
	}
	return ring.Params{
		NAgents: n, Seed: seed, MaturityDays: days,
		Kappa: ring.MustDec(t, row["kappa"]), KappaRule: ring.DebtOverLiquidity,
		QTotal:        ring.MustDec(t, row["Q_total"]),
		Concentration: ring.MustDec(t, row["concentration"]),
		Mu:            ring.MustDec(t, row["mu"]),
		Monotonicity:  ring.MustDec(t, row["monotonicity"]),
		Liquidity:     ring.Uniform, NamePrefix: prefix,
		DefaultHandling: row["default_handling"],
	}
}

// s1Close reports whether two registry S1 strings differ only in the last
// digits (spec §13: by at most 1e-20 here, where S1 ≈ 10⁴ carries 28
// significant digits down to 1e-24).
func s1Close(got, want string) bool {
	g, err1 := ring.ParseDecimal(got)
	w, err2 := ring.ParseDecimal(want)
	if err1 != nil || err2 != nil {
		return false
	}
	diff := pynum.Sub(g, w)
	if diff.Sign() < 0 {
		diff = pynum.Neg(diff)
	}
	return pynum.Cmp(diff, pynum.Dec(1, -20)) <= 0
}

// tally counts the outcome of regenerating a set.
type tally struct {
	rows, matched, yamlIdentical, yamlTolerance, amounts, s1Digits int
}

func (c tally) String() string {
	return fmt.Sprintf("%d of %d rows reproduced; scenario.yaml byte-identical in %d, within 2 ulp in %d (%d payable amounts); S1 differing in its last digits in %d",
		c.matched, c.rows, c.yamlIdentical, c.yamlTolerance, c.amounts, c.s1Digits)
}

// checkGenerated compares a generated scenario with a recorded run's
// scenario.yaml and registry row, adding to c; it reports failures on t.
func checkGenerated(t *testing.T, c *tally, run conformance.Run, g *ring.Generated, row map[string]string) bool {
	t.Helper()
	ok := true
	want, err := os.ReadFile(run.File("scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ring.CompareYAML(g.YAML, want)
	switch {
	case err != nil:
		t.Errorf("%s: scenario.yaml: %v", run.ID, err)
		ok = false
	case d.Identical:
		c.yamlIdentical++
	default:
		c.yamlTolerance++
		c.amounts += d.Amounts
	}
	if row == nil {
		return ok
	}
	if got := g.L0.String(); got != row["L0"] {
		t.Errorf("%s: L0 %s, want %s", run.ID, got, row["L0"])
		ok = false
	}
	switch got := g.S1.String(); {
	case got == row["S1"]:
	case s1Close(got, row["S1"]):
		c.s1Digits++
		t.Logf("%s: S1 %s, recorded %s (last digits, spec §13)", run.ID, got, row["S1"])
	default:
		t.Errorf("%s: S1 %s, want %s", run.ID, got, row["S1"])
		ok = false
	}
	return ok
}

// recordedRoot returns the conformance folder or skips the test.
func recordedRoot(t *testing.T) string {
	t.Helper()
	root := conformance.Require(t)
	return root
}

// Every registry row of ring-expel-n100, regenerated from its parameters and
// seed and run by the engine, gives the row's S1, L0, phi_total, delta_total
// and time_to_stability, and the recorded scenario.yaml.
func TestRegistryRowsReproduced(t *testing.T) {
	root := recordedRoot(t)
	const set = "ring-expel-n100"
	runs, err := conformance.Runs(root, set)
	if err != nil {
		t.Fatal(err)
	}
	registry, err := conformance.Registry(root, set)
	if err != nil {
		t.Fatal(err)
	}
	var c tally
	for _, run := range runs {
		row := registry[run.ID]
		if row == nil {
			t.Errorf("%s: no registry row", run.ID)
			continue
		}
		c.rows++
		g, err := ring.Generate(rowParams(t, row, "Dealer Comparison (Control)"))
		if err != nil {
			t.Errorf("%s: %v", run.ID, err)
			continue
		}
		ok := checkGenerated(t, &c, run, g, row)
		sc, err := engine.Load(run.ID+".yaml", g.YAML)
		if err != nil {
			t.Errorf("%s: load: %v", run.ID, err)
			continue
		}
		res, err := engine.Run(context.Background(), sc, engine.Options{CheckInvariants: engine.CheckDaily})
		if err != nil {
			t.Errorf("%s: run: %v", run.ID, err)
			continue
		}
		_, rep, err := artifacts.Outputs(res)
		if err != nil {
			t.Errorf("%s: outputs: %v", run.ID, err)
			continue
		}
		s := rep.Summary
		for _, f := range []struct{ name, got string }{
			{"phi_total", strOrEmpty(s.PhiTotal)},
			{"delta_total", strOrEmpty(s.DeltaTotal)},
			{"time_to_stability", strconv.Itoa(s.MaxDay)},
		} {
			if f.got != row[f.name] {
				t.Errorf("%s: %s %s, want %s", run.ID, f.name, f.got, row[f.name])
				ok = false
			}
		}
		if ok {
			c.matched++
		}
	}
	if c.rows != len(registry) {
		t.Errorf("%d registry rows, %d runs", len(registry), c.rows)
	}
	t.Logf("%s: %v", set, c)
}

func strOrEmpty(d *pynum.Amount) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// The treatment arm of the same sweep: the same rings with the dealer block
// bilancio's comparison runner appends (dealer_share and vbt_share as
// str(Decimal)). The engine does not run dealers; S1, L0 and scenario.yaml
// are compared.
func TestTreatmentScenariosReproduced(t *testing.T) {
	root := recordedRoot(t)
	const set = "dealer-expel-n100"
	runs, err := conformance.Runs(root, set)
	if err != nil {
		t.Fatal(err)
	}
	registry, err := conformance.Registry(root, set)
	if err != nil {
		t.Fatal(err)
	}
	var c tally
	for _, run := range runs {
		row := registry[run.ID]
		if row == nil {
			t.Errorf("%s: no registry row", run.ID)
			continue
		}
		c.rows++
		g, err := ring.Generate(rowParams(t, row, "Dealer Comparison (Treatment)"))
		if err != nil {
			t.Errorf("%s: %v", run.ID, err)
			continue
		}
		g.Doc.Set("dealer", pyyaml.Map(pyyaml.P("enabled", pyyaml.Bool(true)), pyyaml.P("ticket_size", pyyaml.Int(1)),
			pyyaml.P("dealer_share", pyyaml.Str("0.25")), pyyaml.P("vbt_share", pyyaml.Str("0.5"))))
		if g.YAML, err = pyyaml.Marshal(g.Doc); err != nil {
			t.Fatal(err)
		}
		if checkGenerated(t, &c, run, g, row) {
			c.matched++
		}
	}
	t.Logf("%s: %v", set, c)
}

// bilancio's older n = 5 sweeps (no registry), made by the ring.Original generator
// revision: `bilancio sweep ring` with
// its defaults (n 5, Q_total 500.0, single_at H1, 3 days, base seed 42,
// prefix "Kalecki Ring Sweep") over kappa {0.25, 0.5, 1, 2, 4} × c {0.2,
// 0.5, 1, 2, 5} × mu {0, 0.25, 0.5, 0.75, 1}; the scenario name gives the
// grid point and so the seed. The regenerated scenario must match the
// recorded one, and running it must give the recorded events.
func TestRecordedN5SweepsReproduced(t *testing.T) {
	root := recordedRoot(t)
	grid := []string{"0.25", "0.5", "1", "2", "4"}
	cs := []string{"0.2", "0.5", "1", "2", "5"}
	mus := []string{"0", "0.25", "0.5", "0.75", "1"}
	for _, set := range []struct{ name, handling string }{{"ring-expel-n5", "expel-agent"}, {"ring-failfast-n5", ""}} {
		t.Run(set.name, func(t *testing.T) {
			runs, err := conformance.Runs(root, set.name)
			if err != nil {
				t.Fatal(err)
			}
			var c tally
			for _, run := range runs {
				c.rows++
				want, err := os.ReadFile(run.File("scenario.yaml"))
				if err != nil {
					t.Fatal(err)
				}
				seed, k, conc, mu, err := n5GridPoint(string(want), grid, cs, mus)
				if err != nil {
					t.Errorf("%s: %v", run.ID, err)
					continue
				}
				g, err := ring.Generate(ring.Params{
					NAgents: 5, Seed: seed, MaturityDays: 3,
					Kappa: ring.MustDec(t, k), QTotal: ring.MustDec(t, "500.0"),
					Concentration: ring.MustDec(t, conc), Mu: ring.MustDec(t, mu),
					Liquidity: ring.SingleAt, LiquidityAgent: "H1", Revision: ring.Original,
					DefaultHandling: set.handling,
				})
				if err != nil {
					t.Errorf("%s: %v", run.ID, err)
					continue
				}
				ok := checkGenerated(t, &c, run, g, nil)
				sc, err := engine.Load(run.ID+".yaml", g.YAML)
				if err != nil {
					t.Errorf("%s: load: %v", run.ID, err)
					continue
				}
				res, err := engine.Run(context.Background(), sc, engine.Options{CheckInvariants: engine.CheckDaily})
				if err != nil {
					t.Errorf("%s: run: %v", run.ID, err)
					continue
				}
				events, err := artifacts.AppendEvents(nil, res.Events())
				if err != nil {
					t.Fatal(err)
				}
				recorded, err := os.ReadFile(filepath.Join(run.Dir, "out", "events.jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				if err := conformance.Events(events, recorded); err != nil {
					t.Errorf("%s: events: %v", run.ID, err)
					ok = false
				}
				if ok {
					c.matched++
				}
			}
			t.Logf("%s: %v", set.name, c)
		})
	}
}

// n5GridPoint reads kappa, c and mu from a recorded scenario's name and
// returns the seed bilancio gave that grid point.
func n5GridPoint(yaml string, kappas, cs, mus []string) (seed int64, kappa, c, mu string, err error) {
	line, _, _ := strings.Cut(yaml[strings.Index(yaml, "name: ")+len("name: "):], "\n")
	if _, err := fmt.Sscanf(strings.NewReplacer(",", " ", ")", " ").Replace(line),
		"Kalecki Ring Sweep (n=5  kappa=%s  c=%s  mu=%s ", &kappa, &c, &mu); err != nil {
		return 0, "", "", "", fmt.Errorf("name %q: %w", line, err)
	}
	index := func(xs []string, x string) int {
		for i, v := range xs {
			if v == x {
				return i
			}
		}
		return -1
	}
	ik, ic, im := index(kappas, kappa), index(cs, c), index(mus, mu)
	if ik < 0 || ic < 0 || im < 0 {
		return 0, "", "", "", fmt.Errorf("name %q is not on the grid", line)
	}
	return int64(42 + 25*ik + 5*ic + im), kappa, c, mu, nil
}
