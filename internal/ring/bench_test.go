package ring

import (
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// BenchmarkGenerate generates the n = 100 rings of dealer_comparison_100 for
// a concentration below 1 (algorithm GS) and above 1 (Cheng's).
func BenchmarkGenerate(b *testing.B) {
	for _, c := range []string{"0.5", "2"} {
		b.Run("c="+c, func(b *testing.B) {
			conc, _ := pynum.ParseDecimal(c)
			kappa, q, mu := pynum.Dec(2, 0), pynum.Dec(100000, -1), pynum.Dec(1, 0)
			p := Params{NAgents: 100, Seed: 131, Kappa: &kappa, QTotal: &q, Concentration: &conc,
				Mu: &mu, MaturityDays: 10, DefaultHandling: "expel-agent"}
			for b.Loop() {
				if _, err := Generate(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGenerateSweepRing generates a ring of bilancio's 13,500-run
// sweep (n = 5, single_at liquidity, expel-agent): the host's generation
// work per run of that sweep. Each ring has a seed of its own, as in the
// sweep (seed 42 alone would take pyrandom's precomputed state), and only
// its YAML is made, as the sweep's planner asks (GenerateYAML).
func BenchmarkGenerateSweepRing(b *testing.B) {
	for _, c := range []string{"0.3", "2"} {
		b.Run("c="+c, func(b *testing.B) {
			conc, _ := pynum.ParseDecimal(c)
			kappa, q, mu, mono := pynum.Dec(5, -1), pynum.Dec(500, 0), pynum.Dec(3, -1), pynum.Dec(25, -2)
			p := Params{NAgents: 5, Seed: 43, Kappa: &kappa, QTotal: &q, Concentration: &conc, Monotonicity: &mono,
				Mu: &mu, MaturityDays: 5, Liquidity: SingleAt, LiquidityAgent: "H1", DefaultHandling: "expel-agent",
				NamePrefix: "Kalecki Ring Sweep"}
			// The heads of a sweep's plan: a grid's runs share them in
			// runs of its innermost axis (monotonicity, 9 values in
			// bilancio's grid); mu changes every 9th ring here.
			var heads Heads
			mus := [2]pynum.Amount{mu, pynum.Dec(4, -1)}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p.Seed = 43 + p.Seed%13500
				p.Mu = &mus[i/9%2]
				if _, err := GenerateYAML(p, &heads); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
