package pynum

import (
	"cmp"
	"math/bits"
)

// Decimal arithmetic on coefficients of up to 128 bits (38 digits) without
// apd, for the 28-digit quotients of the metrics and their sums, products and
// squares. The exact result is computed in integers and rounded to Precision
// digits, half to even, as the General Decimal Arithmetic specifies for
// Python's default context: a sum of up to 128 bits arithmetically
// (roundU128), a product of up to 256 bits on its decimal digits
// (roundDigits).

// wideExponentLimit bounds the exponents of the operations done without apd
// (here and in quoSmall), far inside apd's limits, so that no clamping or
// subnormal rule can apply.
const wideExponentLimit = 1 << 20

// wideParts returns a Decimal's sign, coefficient and exponent when its
// coefficient fits 128 bits (a small or wide Amount) and its exponent is
// within wideExponentLimit.
func wideParts(a Amount) (neg bool, c u128, exp int, ok bool) {
	switch {
	case a.big != nil || a.exp() > wideExponentLimit || a.exp() < -wideExponentLimit:
		return false, u128{}, 0, false
	case a.wide():
		return a.neg(), u128{a.hi, uint64(a.coef)}, int(a.exp()), true
	}
	return a.coef < 0, u128{lo: uabs(a.coef)}, int(a.exp()), true
}

// addWide returns the Decimal a + b, or b subtracted when sub is set, when
// both coefficients fit 128 bits and the aligned ones stay below 2^127.
func addWide(a, b Amount, sub bool) (Amount, bool) {
	an, ac, ae, ok1 := wideParts(a)
	bn, bc, be, ok2 := wideParts(b)
	if !ok1 || !ok2 || ac.hi>>63 != 0 || bc.hi>>63 != 0 {
		return Amount{}, false
	}
	bn = bn != sub
	// Align to the smaller exponent, as an exact addition does.
	exp := ae
	switch {
	case ae > be:
		exp = be
		if ac, ok1 = scale128(ac, ae-be); !ok1 {
			return Amount{}, false
		}
	case be > ae:
		if bc, ok2 = scale128(bc, be-ae); !ok2 {
			return Amount{}, false
		}
	}
	var sum u128
	neg := an
	switch {
	case an == bn:
		sum = ac.add(bc)
	case ac.cmp(bc) >= 0:
		sum = ac.sub(bc)
	default:
		sum, neg = bc.sub(ac), bn
	}
	if sum == (u128{}) {
		neg = false // x - x is +0 when rounding half to even
	}
	return roundU128(neg, sum, exp), true
}

// roundU128 returns the Decimal ±c·10^exp rounded to Precision digits, half
// to even.
func roundU128(neg bool, c u128, exp int) Amount {
	if c.cmp(pow10u128(Precision)) < 0 {
		return decimalFromU128(neg, c, int32(exp)) // at most Precision digits
	}
	nd := Precision + 1 // the usual case: one digit too many
	if c.cmp(pow10u128(Precision+1)) >= 0 {
		nd = c.digits()
	}
	if nd > Precision {
		k := nd - Precision // at most 39 - 28 digits to drop
		q, half := divPow10(c, k)
		if half > 0 || half == 0 && q.lo&1 == 1 {
			if q = q.add(u128{lo: 1}); q == pow10u128(Precision) {
				q = pow10u128(Precision - 1) // one digit too many
				exp++
			}
		}
		c, exp = q, exp+k
	}
	return decimalFromU128(neg, c, int32(exp))
}

// mulWide returns the Decimal a * b, the exact product rounded to Precision
// digits, when both coefficients fit 128 bits.
func mulWide(a, b Amount) (Amount, bool) {
	an, ac, ae, ok1 := wideParts(a)
	bn, bc, be, ok2 := wideParts(b)
	if !ok1 || !ok2 {
		return Amount{}, false
	}
	p := mul128(ac, bc)
	if p[2] == 0 && p[3] == 0 {
		return roundU128(an != bn, u128{p[1], p[0]}, ae+be), true
	}
	var buf [96]byte
	return roundedDecimal(an != bn, appendWords(buf[:0], p), ae+be, Precision), true
}

// cmpWide compares a and b when both coefficients fit 128 bits, reporting
// false when it cannot tell without apd.
func cmpWide(a, b Amount) (int, bool) {
	an, ac, ae, ok1 := wideParts(a)
	bn, bc, be, ok2 := wideParts(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	sa, sb := signOf(an, ac), signOf(bn, bc)
	switch {
	case sa != sb:
		return cmp.Compare(sa, sb), true
	case sa == 0:
		return 0, true
	}
	// Same sign: compare the magnitudes, at the smaller exponent when the
	// other one scales to it within 127 bits (then anything of up to 127 bits
	// at that exponent is smaller when it does not), by their adjusted
	// exponents otherwise.
	switch {
	case ae == be:
		return sa * ac.cmp(bc), true
	case ae > be && bc.hi>>63 == 0:
		if x, ok := scale128(ac, ae-be); ok {
			return sa * x.cmp(bc), true
		}
		return sa, true
	case be > ae && ac.hi>>63 == 0:
		if y, ok := scale128(bc, be-ae); ok {
			return sa * ac.cmp(y), true
		}
		return -sa, true
	}
	mag := 0
	if da, db := ac.digits()+ae, bc.digits()+be; da != db {
		mag = cmp.Compare(da, db)
	} else {
		// Equal adjusted exponents: scaling the one with the larger exponent
		// gives it the other's number of digits, so it fits 128 bits.
		var ok bool
		if ae > be {
			ac, ok = scale128(ac, ae-be)
		} else {
			bc, ok = scale128(bc, be-ae)
		}
		if !ok {
			return 0, false
		}
		mag = ac.cmp(bc)
	}
	return sa * mag, true
}

func signOf(neg bool, c u128) int {
	switch {
	case c == u128{}:
		return 0
	case neg:
		return -1
	}
	return 1
}

// squareWide returns DecSquare of a Decimal whose coefficient fits 128 bits:
// the exact square rounded to Precision+3 digits and then to Precision digits.
func squareWide(a Amount) (Amount, bool) {
	_, c, e, ok := wideParts(a)
	if !ok {
		return Amount{}, false
	}
	var buf [96]byte
	digits, exp := roundDigits(appendWords(buf[:0], mul128(c, c)), 2*e, Precision+3)
	return roundedDecimal(false, digits, exp, Precision), true
}

// mul128 returns the 256-bit product a·b, least significant word first.
func mul128(a, b u128) [4]uint64 {
	h0, l0 := bits.Mul64(a.lo, b.lo)
	h1, l1 := bits.Mul64(a.lo, b.hi)
	h2, l2 := bits.Mul64(a.hi, b.lo)
	h3, l3 := bits.Mul64(a.hi, b.hi)
	// Word 1 is h0 + l1 + l2, word 2 h1 + h2 + l3 and the carries out of
	// word 1, word 3 h3 and the carries out of word 2 (the product is
	// below 2^256, so nothing carries out of word 3).
	p1, c1 := bits.Add64(h0, l1, 0)
	p1, c2 := bits.Add64(p1, l2, 0)
	p2, c3 := bits.Add64(h1, h2, c1)
	p2, c4 := bits.Add64(p2, l3, c2)
	return [4]uint64{l0, p1, p2, h3 + c3 + c4}
}

// roundedDecimal returns the Decimal ±digits·10^exp rounded to p ≤ 38
// significant digits.
func roundedDecimal(neg bool, digits []byte, exp, p int) Amount {
	digits, exp = roundDigits(digits, exp, p)
	// Read the digits 19 at a time.
	var c u128
	for len(digits) > 0 {
		n := min(len(digits), 19)
		var chunk uint64
		for _, d := range digits[:n] {
			chunk = 10*chunk + uint64(d-'0')
		}
		c = c.mulAdd(pow10u64(n), chunk)
		digits = digits[n:]
	}
	return decimalFromU128(neg, c, int32(exp))
}

// roundDigits rounds digits·10^exp (digits without leading zeros) to at most
// p significant digits, half to even, in place.
func roundDigits(digits []byte, exp, p int) ([]byte, int) {
	if len(digits) <= p {
		return digits, exp
	}
	kept, dropped := digits[:p], digits[p:]
	exp += len(dropped)
	up := dropped[0] > '5'
	if dropped[0] == '5' {
		up = (kept[p-1]-'0')&1 == 1 // a tie goes to the even neighbour
		for _, d := range dropped[1:] {
			if d != '0' {
				up = true // above the tie
				break
			}
		}
	}
	if !up {
		return kept, exp
	}
	i := p - 1
	for i >= 0 && kept[i] == '9' {
		kept[i] = '0'
		i--
	}
	if i >= 0 {
		kept[i]++
		return kept, exp
	}
	// All nines became 10^p: one digit too many.
	kept[0] = '1'
	return kept, exp + 1
}

// scale128 returns c·10^n, reporting false unless it stays below 2^127.
func scale128(c u128, n int) (u128, bool) {
	if n <= 0 || c == (u128{}) {
		return c, true
	}
	for n > 0 {
		k := min(n, 19)
		p := pow10u64(k)
		h1, l1 := bits.Mul64(c.lo, p)
		h2, l2 := bits.Mul64(c.hi, p)
		hi, carry := bits.Add64(h1, l2, 0)
		if h2 != 0 || carry != 0 || hi>>63 != 0 {
			return u128{}, false
		}
		c = u128{hi, l1}
		n -= k
	}
	return c, true
}
