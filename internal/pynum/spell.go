package pynum

import (
	"math/big"
	"math/bits"
	"strconv"
)

// spellBuf is the size of a stack buffer that holds the digits of any
// coefficient of up to 128 bits, so that printing the values simulations
// produce (int64 coefficients and 28-digit quotients) allocates nothing.
const spellBuf = 48

// spelled is a finite decimal spelled out for printing: its sign, the decimal
// digits of its coefficient (no leading zeros; "0" for zero) and its exponent,
// so that its value is ±digits·10^exp. The digits live in a buffer that the
// caller provides.
type spelled struct {
	neg    bool
	digits []byte
	exp    int
}

// spellAmount spells out a, appending its digits to buf.
func spellAmount(buf []byte, a Amount) spelled {
	switch {
	case a.big != nil:
		return a.big.spell(buf)
	case a.wide():
		return spelled{neg: a.neg(), digits: appendWords(buf, [4]uint64{uint64(a.coef), a.hi}), exp: int(a.exp())}
	}
	u := uint64(a.coef)
	if a.coef < 0 {
		u = -u // also right for math.MinInt64
	}
	return spelled{neg: a.coef < 0, digits: strconv.AppendUint(buf, u, 10), exp: int(a.exp())}
}

// appendCoeff appends the decimal digits of the non-negative c, without
// allocating for up to 256 bits.
func appendCoeff(dst []byte, c *big.Int) []byte {
	if c.IsUint64() {
		return strconv.AppendUint(dst, c.Uint64(), 10)
	}
	if w := c.Bits(); bits.UintSize == 64 && len(w) <= 4 {
		var words [4]uint64
		for i, x := range w {
			words[i] = uint64(x)
		}
		return appendWords(dst, words)
	}
	return c.Append(dst, 10)
}

// appendPadded appends u as exactly width digits, with leading zeros.
func appendPadded(dst []byte, u uint64, width int) []byte {
	var buf [20]byte
	d := strconv.AppendUint(buf[:0], u, 10)
	for i := len(d); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

func (s spelled) isZero() bool { return len(s.digits) == 1 && s.digits[0] == '0' }

// normalized returns Python's s.normalize() (trailing zeros stripped, zero at
// exponent 0) when that needs no rounding, that is when s has at most
// Precision digits; ok is false otherwise.
func (s spelled) normalized() (n spelled, ok bool) {
	if len(s.digits) > Precision {
		return s, false
	}
	if s.isZero() {
		s.exp = 0
		return s, true
	}
	for s.digits[len(s.digits)-1] == '0' {
		s.digits = s.digits[:len(s.digits)-1]
		s.exp++
	}
	return s, true
}

// spellNormalized spells out Normalize(a), appending its digits to buf.
func spellNormalized(buf []byte, a Amount) spelled {
	if n, ok := spellAmount(buf, a).normalized(); ok {
		return n
	}
	return spellAmount(buf, Normalize(a))
}

// NormalizedDigits spells out Normalize(a) (Python's Decimal.normalize():
// at most Precision digits, trailing zeros stripped, zero as 0) for a writer
// that prints it its own way: its value is ±digits·10^exp, the digits (no
// leading zeros, "0" for zero, which is never negative) appended to buf.
// Values of up to 128 bits are spelled without allocating.
func NormalizedDigits(buf []byte, a Amount) (neg bool, digits []byte, exp int) {
	n := spellNormalized(buf, a)
	return n.neg && !n.isZero(), n.digits, n.exp
}

// appendStr appends s as Python's str(Decimal) prints it: the General Decimal
// Arithmetic to-scientific-string (spec §8.2).
func (s spelled) appendStr(dst []byte) []byte {
	if s.neg {
		dst = append(dst, '-')
	}
	digits, e := s.digits, s.exp
	adj := e + len(digits) - 1
	if e <= 0 && adj >= -6 {
		if e == 0 {
			return append(dst, digits...)
		}
		point := len(digits) + e // digits before the point
		if point <= 0 {
			dst = append(dst, "0."...)
			dst = appendZeros(dst, -point)
			return append(dst, digits...)
		}
		dst = append(dst, digits[:point]...)
		dst = append(dst, '.')
		return append(dst, digits[point:]...)
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	if adj >= 0 {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, int64(adj), 10)
}

// appendInteger appends an integral s (exp ≥ 0) as plain digits, never with
// an exponent, and zero without a sign.
func (s spelled) appendInteger(dst []byte) []byte {
	if s.isZero() {
		return append(dst, '0')
	}
	if s.neg {
		dst = append(dst, '-')
	}
	dst = append(dst, s.digits...)
	return appendZeros(dst, s.exp)
}

// float64 returns float(s), correctly rounded (±Inf beyond the float range).
func (s spelled) float64() float64 {
	var buf [spellBuf + 16]byte
	b := buf[:0]
	if s.neg {
		b = append(b, '-')
	}
	b = append(b, s.digits...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(s.exp), 10)
	f, _ := strconv.ParseFloat(string(b), 64) // only range errors, with ±Inf or ±0 as Python gives
	return f
}

func appendZeros(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, '0')
	}
	return dst
}

// AppendStr appends a as Python's str() prints it (str(Decimal) for a
// Decimal, digits for an int).
func AppendStr(dst []byte, a Amount) []byte {
	var buf [spellBuf]byte
	s := spellAmount(buf[:0], a)
	if !a.dec() {
		return s.appendInteger(dst)
	}
	return s.appendStr(dst)
}
