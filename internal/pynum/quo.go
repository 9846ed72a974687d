package pynum

import (
	"math/bits"

	"github.com/cockroachdb/apd/v3"
)

// Quo returns a / b as Python divides Decimals (DecQuo): an int operand counts
// as Decimal(int), and the result is a Decimal, rounded to 28 digits when
// inexact and at the ideal exponent when exact. It panics when b is zero.
//
// Operands with int64 coefficients, the values simulations divide, are divided
// without allocating unless the quotient outgrows int64.
func Quo(a, b Amount) Amount {
	if q, ok := quoSmall(a, b); ok {
		return q
	}
	var ta, tb apd.Decimal
	return fromOwned(DecQuo(a.operand(&ta), b.operand(&tb)), true)
}

// quoSmall divides small operands by long division, up to 19 digits at a
// time, until the quotient is exact or has Precision significant digits, and
// then rounds half to even on the remainder, as the General Decimal
// Arithmetic division does. An exact quotient comes out at the ideal exponent
// exp(a) - exp(b) (when the division ends within the integer part) or with a
// last fractional digit that is not zero, which is where DecQuo's stripping
// of zeros stops.
func quoSmall(a, b Amount) (Amount, bool) {
	ideal := int64(a.exp) - int64(b.exp)
	if a.big != nil || b.big != nil || b.coef == 0 || ideal < -wideExponentLimit || ideal > wideExponentLimit {
		return Amount{}, false
	}
	if a.coef == 0 {
		return Dec(0, int32(ideal)), true // Python's -0 (0 / negative) has no Amount form either
	}
	x, y := uabs(a.coef), uabs(b.coef)
	q := u128{lo: x / y} // the quotient's digits so far
	r := x % y
	nd := q.digits() // its significant digits
	exp := ideal
	for r != 0 && nd < Precision {
		// The next k digits: r·10^k / y < 10^k, as r < y; r·10^k < 2^127.
		k := min(19, Precision-nd)
		h, l := bits.Mul64(r, pow10u64(k))
		var d uint64
		d, r = bits.Div64(h, l, y)
		if r == 0 {
			// Exact: drop the trailing zeros of the last digits.
			for d%10 == 0 {
				d /= 10
				k--
			}
		}
		q = q.mulAdd(pow10u64(k), d)
		nd = q.digits()
		exp -= int64(k)
	}
	// Round half to even on the remainder; 2r does not overflow, as r < y ≤
	// 2^63. Rounding up never carries into a 29th digit: that needs x/y
	// within half a unit of its 28th digit below a power of ten 10^k, that is
	// closer than 10^(k-28)/2, while |10^k·y - x|/y ≥ min(1, 10^k)/y; both
	// hold only if x or y exceeds 10^28.
	if r != 0 && (2*r > y || 2*r == y && q.lo&1 == 1) {
		q = q.add(u128{lo: 1})
	}
	return decimalFromU128((a.coef < 0) != (b.coef < 0), q, int32(exp)), true
}
