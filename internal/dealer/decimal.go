package dealer

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// pyMax returns Python's max(a, b): a unless b > a, so on equal values the
// first argument, with its exponent, wins.
func pyMax(a, b pynum.Amount) pynum.Amount {
	if pynum.Cmp(b, a) > 0 {
		return b
	}
	return a
}

// floorInt returns int(d.quantize(Decimal(1), rounding=ROUND_FLOOR)) for a
// value whose floor fits in an int64, as the kernel computes K*.
func floorInt(d pynum.Amount) int64 {
	ctx := pynum.Context()
	ctx.Rounding = apd.RoundFloor
	r := new(apd.Decimal)
	if _, err := ctx.Quantize(r, d.Decimal(), 0); err != nil {
		panic(fmt.Sprintf("dealer: floor of %s: %v", d, err))
	}
	n, err := r.Int64()
	if err != nil {
		panic(fmt.Sprintf("dealer: floor of %s does not fit an int64: %v", d, err))
	}
	return n
}

// decZero returns Decimal(0).
func decZero() pynum.Amount { return pynum.Dec(0, 0) }

// decOne returns Decimal(1).
func decOne() pynum.Amount { return pynum.Dec(1, 0) }

// guardM is the kernel's guard threshold Decimal("0.02") (spec §3.2): at or
// below it a dealer pins both quotes to its VBT. It is a constant, not the
// configured M_min.
func guardM() pynum.Amount { return pynum.Dec(2, -2) }
