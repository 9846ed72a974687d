package pynum

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
