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
