package pynum

import (
	"math/bits"
)

// Quo returns a / b as Python divides Decimals: an int operand counts as
// Decimal(int), and the result is a Decimal, rounded to 28 digits when
// inexact, and when exact at the exponent nearest the ideal one (exp(a) -
// exp(b)) that holds it in 28 digits, so that Decimal("10000.0") /
// Decimal("0.25") is 4.000E+4, not 40000.000… It panics when b is zero.
//
// Operands with int64 coefficients, the values simulations divide, are divided
// without allocating unless the quotient outgrows int64.
func Quo(a, b Amount) Amount {
	if q, ok := quoSmall(a, b); ok {
		return q
	}
	if b.IsZero() {
		panic("pynum: division of " + a.String() + " by zero")
	}
	return fromBig(quoBig(a.bigOf(), b.bigOf()), true)
}

// quoSmall divides a dividend of up to 128 bits (a small or wide Amount) by a
// small divisor by long division, up to 19 digits at a time, until the
// quotient is exact or has Precision significant digits, and then rounds half
// to even on the remainder, as the General Decimal Arithmetic division does.
// An exact quotient comes out at the ideal exponent exp(a) - exp(b) (when the
// division ends within the integer part) or with a last fractional digit that
// is not zero, which is where quoBig's stripping of zeros stops. A dividend
// whose integer quotient already has more than Precision digits is left to
// quoBig.
func quoSmall(a, b Amount) (Amount, bool) {
	ideal := int64(a.exp()) - int64(b.exp())
	aneg, x, _, ok := a.parts128()
	if !ok || !b.small() || b.coef == 0 || ideal < -wideExponentLimit || ideal > wideExponentLimit {
		return Amount{}, false
	}
	if x == (u128{}) {
		return Dec(0, int32(ideal)), true // Python's -0 (0 / negative) has no Amount form either
	}
	y := uabs(b.coef)
	q, r := x.divRem(y) // the quotient's digits so far
	nd := q.digits()    // its significant digits
	if nd > Precision {
		return Amount{}, false
	}
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
		if q == (u128{}) {
			nd = u128{lo: d}.digits()
		} else {
			nd += k // q·10^k + d with d < 10^k
		}
		q = q.mulAdd(pow10u64(k), d)
		exp -= int64(k)
	}
	// Round half to even on the remainder; 2r does not overflow, as r < y ≤
	// 2^63. Rounding up can carry into a 29th digit (999…9.5 → 10^28): then
	// the quotient is 10^27 one exponent up, as the context's rounding gives.
	if r != 0 && (2*r > y || 2*r == y && q.lo&1 == 1) {
		if q = q.add(u128{lo: 1}); q == pow10u128(Precision) {
			q = pow10u128(Precision - 1)
			exp++
		}
	}
	return decimalFromU128(aneg != (b.coef < 0), q, int32(exp)), true
}
