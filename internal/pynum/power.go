package pynum

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
)

// DecSquare returns Python's x ** 2 for a Decimal x. CPython's decimal module
// (libmpdec) computes an integer power at a working precision of the context
// precision plus 3 digits and then rounds the result to the context precision,
// so the result can differ from x * x (a single rounding) in the last digit.
func DecSquare(x *apd.Decimal) *apd.Decimal {
	work := apd.BaseContext.WithPrecision(Precision + 3)
	work.Rounding = apd.RoundHalfEven
	var sq apd.Decimal
	if _, err := work.Mul(&sq, x, x); err != nil {
		panic(fmt.Sprintf("pynum: square %s: %v", Str(x), err))
	}
	r := new(apd.Decimal)
	if _, err := Context().Round(r, &sq); err != nil {
		panic(fmt.Sprintf("pynum: square %s: %v", Str(x), err))
	}
	return r
}
