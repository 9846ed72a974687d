package ring

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// BenchmarkGenerate generates the n = 100 rings of dealer_comparison_100 for
// a concentration below 1 (algorithm GS) and above 1 (Cheng's).
func BenchmarkGenerate(b *testing.B) {
	for _, c := range []string{"0.5", "2"} {
		b.Run("c="+c, func(b *testing.B) {
			conc, _, _ := apd.NewFromString(c)
			p := Params{NAgents: 100, Seed: 131, Kappa: apd.New(2, 0), QTotal: apd.New(100000, -1), Concentration: conc,
				Mu: apd.New(1, 0), MaturityDays: 10, DefaultHandling: "expel-agent"}
			for b.Loop() {
				if _, err := Generate(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
