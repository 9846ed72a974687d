package ring

import (
	"fmt"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum/pyapd"
	"github.com/cockroachdb/apd/v3"
)

// scenarioName is bilancio's "{prefix} (n=…, kappa=…, c=…, mu=…)".
func scenarioName(r *resolved) string {
	return fmt.Sprintf("%s (n=%d, kappa=%s, c=%s, mu=%s)", r.NamePrefix, r.NAgents,
		fmtDecimal(r.Kappa), fmtDecimal(r.Concentration), fmtDecimal(r.Mu))
}

// description is bilancio's one-line summary of the parameters; S1 and L0
// are the resolved totals.
func description(r *resolved) string {
	return strings.Join([]string{
		fmt.Sprintf("Ring of %d agents with total dues S1=%s", r.NAgents, fmtDecimal(r.qTotal)),
		fmt.Sprintf("initial liquidity L0=%s (kappa=%s)", fmtDecimal(r.l0), fmtDecimal(r.Kappa)),
		fmt.Sprintf("Dirichlet concentration c=%s", fmtDecimal(r.Concentration)),
		fmt.Sprintf("maturity mu=%s over %d day horizon", fmtDecimal(r.Mu), r.MaturityDays),
	}, "; ")
}

// fmtDecimal is bilancio's _fmt_decimal: the normalised value as plain
// digits when integral, otherwise in fixed-point notation without trailing
// zeros, never with an exponent (10000.0 → 10000, 2.50 → 2.5, 1E-7 →
// 0.0000001).
func fmtDecimal(d *apd.Decimal) string {
	norm := pyapd.Normalize(d)
	if norm.Exponent >= 0 {
		return integerText(norm)
	}
	s := norm.Text('f')
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// integerText prints a Decimal with a non-negative exponent as Python's
// str(int(d)) does.
func integerText(d *apd.Decimal) string {
	var b apd.BigInt
	b.Set(&d.Coeff)
	if d.Exponent > 0 {
		var scale apd.BigInt
		scale.Exp(apd.NewBigInt(10), apd.NewBigInt(int64(d.Exponent)), nil)
		b.Mul(&b, &scale)
	}
	if d.Negative && b.Sign() != 0 {
		b.Neg(&b)
	}
	return b.String()
}
