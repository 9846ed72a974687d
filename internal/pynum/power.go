package pynum

// Square returns Python's a ** 2: an int for an int; for a Decimal, as
// CPython's decimal module (libmpdec) computes an integer power: at a working
// precision of the context precision plus 3 digits, and then rounded to the
// context precision, so the result can differ from a * a (a single rounding)
// in the last digit. An exact square of at most 19 digits is never rounded,
// so a small Decimal is squared without allocating; a coefficient of up to
// 128 bits is squared inline.
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
	b := a.bigOf()
	sq := mulBig(b, b, Precision+3)
	return fromBig(roundBig(sq.neg, &sq.coef, int64(sq.exp), Precision, false), true)
}
