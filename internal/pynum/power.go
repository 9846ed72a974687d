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
	work := defaultContext()
	work.Precision = Precision + 3
	var sq apd.Decimal
	if _, err := work.Mul(&sq, x, x); err != nil {
		panic(fmt.Sprintf("pynum: square %s: %v", Str(x), err))
	}
	r := new(apd.Decimal)
	ctx := defaultContext()
	if _, err := ctx.Round(r, &sq); err != nil {
		panic(fmt.Sprintf("pynum: square %s: %v", Str(x), err))
	}
	return r
}

// Square returns Python's a ** 2: an int for an int, DecSquare for a Decimal.
// An exact square of at most 19 digits is never rounded, so a small Decimal is
// squared without allocating; a coefficient of up to 128 bits is squared
// without apd.
func Square(a Amount) Amount {
	if p, ok := mulSmall(a, a); ok {
		return p
	}
	if !a.dec() {
		return Mul(a, a)
	}
	if sq, ok := squareWide(a); ok {
		return sq
	}
	var t apd.Decimal
	return fromOwned(DecSquare(a.operand(&t)), true)
}
