package pynum

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
)

// Round returns Python's round(a) with no digits argument: the nearest int,
// ties to even (round(Decimal("688.50")) == 688). An int is returned as is.
func Round(a Amount) Amount {
	if !a.dec {
		return a
	}
	var tmp apd.Decimal
	d := a.operand(&tmp)
	r := new(apd.Decimal)
	ctx := exactContext()
	ctx.Rounding = apd.RoundHalfEven
	if _, err := ctx.Quantize(r, d, 0); err != nil {
		panic(fmt.Sprintf("pynum: round %s: %v", d, err))
	}
	return fromOwned(r, false)
}
