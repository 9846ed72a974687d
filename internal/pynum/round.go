package pynum

import "math"

// Round returns Python's round(a) with no digits argument: the nearest int,
// ties to even (round(Decimal("688.50")) == 688). An int is returned as is.
func Round(a Amount) Amount {
	if !a.dec() {
		return a
	}
	if neg, c, e, ok := a.parts128(); ok {
		if e >= 0 {
			return a.Trunc() // integral: exact
		}
		q, half := divPow10(c, int(-e))
		if half > 0 || half == 0 && q.lo&1 == 1 {
			q = q.add(u128{lo: 1}) // below 2^128: c < 2^128 was divided by 10 or more
		}
		return fromU128(neg, q, 0, false)
	}
	return fromBig(quantize0(a.bigOf(), true), false)
}

// Floor returns Python's math.floor(a): the greatest int not above a, of
// any size.
func Floor(a Amount) Amount {
	t := a.Trunc()
	if a.Sign() < 0 && Cmp(t, a) != 0 {
		return Sub(t, Int(1))
	}
	return t
}

// FloorInt64 returns math.floor(a) as an int64 and whether a is a whole
// number, for a value of at most Precision significant digits and exponent
// at most 0 whose floor fits an int64; ok is false for any other. (For such
// a value v and a whole d ≥ 0, v − d is exact in the default context when
// it is positive: it has no more digits than v.)
func FloorInt64(a Amount) (floor int64, whole, ok bool) {
	neg, c, e, ok := a.parts128()
	if !ok || e > 0 || c.cmp(pow10u128(Precision)) >= 0 {
		return 0, false, false
	}
	k := int(-e)
	var q u128
	var rem bool
	switch {
	case k == 0:
		q = c
	case k <= 19:
		var r uint64
		q, r = c.divRem(pow10u64(k))
		rem = r != 0
	case k <= 38:
		q1, r1 := c.divRem(pow10u64(19))
		var r2 uint64
		q, r2 = q1.divRem(pow10u64(k - 19))
		rem = r1 != 0 || r2 != 0
	default:
		// c < 10^28 ≤ 10^k: the integer part is 0.
		rem = c != (u128{})
	}
	if q.hi != 0 || q.lo >= math.MaxInt64 {
		return 0, false, false
	}
	f := int64(q.lo)
	if neg {
		f = -f
		if rem {
			f--
		}
	}
	return f, !rem, true
}
