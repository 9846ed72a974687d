package pynum

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// FloatRepr prints f as Python's repr(float): the shortest round-trip digits,
// fixed notation for decimal exponents in [-4, 16) with at least one
// fractional digit, scientific otherwise (`1e-07`, `1.5e+16`).
func FloatRepr(f float64) string {
	var buf [32]byte
	return string(AppendFloatRepr(buf[:0], f))
}

// AppendFloatRepr appends FloatRepr(f).
func AppendFloatRepr(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	if f == math.Trunc(f) && f > -1e16 && f < 1e16 && (f != 0 || !math.Signbit(f)) {
		// An integral float below 10^16 prints as its integer and ".0"
		// (99.0, -3.0, 0.0): the shortest digits are the integer's.
		dst = strconv.AppendInt(dst, int64(f), 10)
		return append(dst, ".0"...)
	}
	var buf [32]byte
	neg, digits, x := shortest(buf[:0], f)
	if neg {
		dst = append(dst, '-')
	}
	if x >= -4 && x < 16 {
		switch {
		case x < 0:
			dst = append(dst, "0."...)
			dst = appendZeros(dst, -x-1)
			return append(dst, digits...)
		case len(digits) <= x+1:
			dst = append(dst, digits...)
			dst = appendZeros(dst, x+1-len(digits))
			return append(dst, ".0"...)
		}
		dst = append(dst, digits[:x+1]...)
		dst = append(dst, '.')
		return append(dst, digits[x+1:]...)
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	if x < 0 {
		dst = append(dst, '-')
		x = -x
	} else {
		dst = append(dst, '+')
	}
	if x < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(x), 10)
}

// shortest returns the sign of the finite f, the shortest digits that
// round-trip to it (appended to buf) and the decimal exponent x of the first
// digit: |f| = d.ddd…·10^x.
func shortest(buf []byte, f float64) (neg bool, digits []byte, x int) {
	s := strconv.AppendFloat(buf, f, 'e', -1, 64) // [-]d[.ddd]e±xx
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	e := bytes.IndexByte(s, 'e')
	mant, exp := s[:e], s[e+1:]
	for _, c := range exp[1:] {
		x = 10*x + int(c-'0')
	}
	if exp[0] == '-' {
		x = -x
	}
	if len(mant) > 1 {
		mant[1] = mant[0] // drop the point
		mant = mant[1:]
	}
	return neg, mant, x
}

// FromFloat returns Decimal(repr(f)): the decimal with the shortest digits that
// round-trip to f, which is how bilancio turns a YAML float into a Decimal.
// The exponent is the one of repr's text: 100.0 is Decimal("100.0").
func FromFloat(f float64) (Amount, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return Amount{}, fmt.Errorf("not a finite number: %v", f)
	}
	var buf [32]byte
	neg, digits, x := shortest(buf[:0], f)
	var c int64
	for _, d := range digits { // at most 17 digits
		c = 10*c + int64(d-'0')
	}
	e := x - (len(digits) - 1)
	if x >= -4 && x < 16 && e >= 0 {
		// repr prints an integral value in fixed notation as "ddd00.0".
		c, _ = scale(c, int32(e+1))
		e = -1
	}
	if neg {
		c = -c
	}
	return Dec(c, int32(e)), nil
}

// exactFloat returns float(c·10^e) when c and 10^e are exact floats (|c| <
// 2^53, |e| ≤ 22): then one multiplication or division, which rounds
// correctly, gives it.
func exactFloat(c int64, e int32) (float64, bool) {
	switch {
	case c <= -1<<53 || c >= 1<<53 || e < -22 || e > 22:
		return 0, false
	case e < 0:
		return float64(c) / math.Pow10(int(-e)), true
	}
	return float64(c) * math.Pow10(int(e)), true
}
