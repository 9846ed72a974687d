package pynum

import (
	"math"
	"math/bits"
	"strconv"
)

// Amount is a Python int or a Python Decimal, as bilancio's amounts are.
//
// The distinction matters for printing: balances.csv prints a Decimal through
// float (`64.0`) and an int as digits (`36`). Arithmetic follows Python: int op
// int is an int; anything involving a Decimal is a Decimal rounded to 28
// significant digits.
//
// An Amount is an immutable value held in one of three forms, chosen by its
// size alone so that a value has one form:
//
//   - small: coef·10^exp, when the coefficient fits an int64;
//   - wide: ±(hi·2^64 + uint64(coef))·10^exp (sign in neg), when the
//     coefficient fits 128 bits (38 digits: every 28-digit Decimal result),
//     held inline without allocating;
//   - big: a Big (math/big coefficient and exponent) that is never modified
//     after creation, for anything larger.
//
// Its exponent and flags share one word, so that an Amount is four machine
// words that two operands of a call pass in registers.
type Amount struct {
	coef int64
	hi   uint64
	meta uint64 // the exponent (an int32) in the low half, the flags above
	big  *Big
}

// The flags of Amount.meta.
const (
	metaDec  = 1 << 32 // a Python Decimal (an int otherwise)
	metaWide = 1 << 33 // the wide form
	metaNeg  = 1 << 34 // a negative wide value
)

// metaOf returns the meta word of exponent exp and the Decimal flag.
func metaOf(exp int32, dec bool) uint64 {
	m := uint64(uint32(exp))
	if dec {
		m |= metaDec
	}
	return m
}

func (a Amount) exp() int32 { return int32(uint32(a.meta)) }
func (a Amount) dec() bool  { return a.meta&metaDec != 0 }
func (a Amount) wide() bool { return a.meta&metaWide != 0 }
func (a Amount) neg() bool  { return a.meta&metaNeg != 0 }

// Int returns the Python int n.
func Int(n int64) Amount { return Amount{coef: n} }

// Dec returns the Python Decimal coef·10^exp.
func Dec(coef int64, exp int32) Amount {
	return Amount{coef: coef, meta: uint64(uint32(exp)) | metaDec}
}

// fromU128 returns the Decimal (dec) or int ±c·10^exp in its form: small
// when it fits an int64, wide otherwise. A zero is never negative.
func fromU128(neg bool, c u128, exp int32, dec bool) Amount {
	if c.hi == 0 && c.lo <= math.MaxInt64 {
		n := int64(c.lo)
		if neg {
			n = -n
		}
		return Amount{coef: n, meta: metaOf(exp, dec)}
	}
	if neg && c == (u128{lo: 1 << 63}) {
		return Amount{coef: math.MinInt64, meta: metaOf(exp, dec)}
	}
	m := metaOf(exp, dec) | metaWide
	if neg {
		m |= metaNeg
	}
	return Amount{coef: int64(c.lo), hi: c.hi, meta: m}
}

// small reports whether a is held as coef·10^exp.
func (a Amount) small() bool { return a.big == nil && !a.wide() }

// parts128 returns the sign, coefficient and exponent of a small or wide a;
// ok is false for a big one.
func (a Amount) parts128() (neg bool, c u128, exp int32, ok bool) {
	switch {
	case a.wide():
		return a.neg(), u128{a.hi, uint64(a.coef)}, a.exp(), true
	case a.big == nil:
		return a.coef < 0, u128{lo: uabs(a.coef)}, a.exp(), true
	}
	return false, u128{}, 0, false
}

// IsDecimal reports whether a is a Python Decimal (false: a Python int).
func (a Amount) IsDecimal() bool { return a.dec() }

// Int64 returns a's value truncated toward zero, and whether it fits an int64.
func (a Amount) Int64() (int64, bool) {
	t := a.Trunc()
	if !t.small() {
		return 0, false
	}
	return t.coef, true
}

// Whole returns a's value when it is a whole number held with exponent 0
// in an int64 (an int, or a Decimal such as Decimal('50') but not
// Decimal('50.0')); ok is false otherwise. Sums of such values stay whole
// with exponent 0, so they can be computed in integers.
func (a Amount) Whole() (n int64, ok bool) {
	if !a.small() || a.exp() != 0 {
		return 0, false
	}
	return a.coef, true
}

// Parts returns a's representation: a small value is coef·10^exp with big
// nil; any other is big (never modified; a new one for a wide value). dec
// tells a Decimal from an int. With FromParts it lets a compact container
// (an event payload value) hold an Amount without its padding.
func (a Amount) Parts() (coef int64, exp int32, dec bool, big *Big) {
	switch {
	case a.big != nil:
		return 0, 0, a.dec(), a.big
	case a.wide():
		return 0, 0, a.dec(), a.bigOf()
	}
	return a.coef, a.exp(), a.dec(), nil
}

// FromParts returns the Amount whose Parts are coef, exp, dec and big.
func FromParts(coef int64, exp int32, dec bool, big *Big) Amount {
	if big != nil {
		return fromBig(big, dec)
	}
	return Amount{coef: coef, meta: metaOf(exp, dec)}
}

// Sign returns -1, 0 or +1.
func (a Amount) Sign() int {
	switch {
	case a.big != nil:
		return a.big.sign()
	case a.wide() && a.neg():
		return -1
	case a.wide():
		return 1
	}
	switch {
	case a.coef < 0:
		return -1
	case a.coef > 0:
		return 1
	}
	return 0
}

// IsZero reports whether a == 0.
func (a Amount) IsZero() bool { return a.Sign() == 0 }

// Trunc returns int(a): the Python int truncated toward zero.
func (a Amount) Trunc() Amount {
	if !a.dec() {
		return a
	}
	if neg, c, e, ok := a.parts128(); ok {
		switch {
		case e <= 0:
			q, _ := divPow10(c, int(-e))
			return fromU128(neg, q, 0, false)
		default:
			if q, ok := scale128(c, int(e)); ok {
				return fromU128(neg, q, 0, false)
			}
		}
	}
	return fromBig(quantize0(a.bigOf(), false), false)
}

// Float64 returns float(a), correctly rounded.
func (a Amount) Float64() float64 {
	switch {
	case a.small():
		if f, ok := exactFloat(a.coef, a.exp()); ok {
			return f
		}
	case a.wide():
		return wideFloat64(a.neg(), u128{a.hi, uint64(a.coef)}, a.exp())
	}
	var buf [spellBuf]byte
	return spellAmount(buf[:0], a).float64()
}

// wideFloat64 returns float(±c·10^exp), correctly rounded. It spells all of
// c's digits: ParseFloat needs every digit when the first 19 leave the
// rounding open (a float's halfway point has more digits than that).
func wideFloat64(neg bool, c u128, exp int32) float64 {
	var buf [spellBuf + 16]byte
	b := buf[:0]
	if neg {
		b = append(b, '-')
	}
	b = appendU128(b, c)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(exp), 10)
	f, _ := strconv.ParseFloat(string(b), 64) // only range errors, with ±Inf or ±0 as Python gives
	return f
}

// String prints a like Python's str(): digits for an int, str(Decimal) for a Decimal.
func (a Amount) String() string {
	if !a.dec() {
		switch {
		case a.big != nil, a.wide():
			var buf [spellBuf]byte
			return string(spellAmount(buf[:0], a).appendInteger(nil))
		}
		return strconv.FormatInt(a.coef, 10)
	}
	var buf [spellBuf]byte
	var out [spellBuf + 16]byte
	return string(spellAmount(buf[:0], a).appendStr(out[:0]))
}

// Add returns a + b with Python's types and rounding.
func Add(a, b Amount) Amount {
	dec := a.dec() || b.dec()
	if a.small() && b.small() {
		if ca, cb, e, ok := align(a, b); ok {
			if s, overflow := addInt64(ca, cb); !overflow {
				return Amount{coef: s, meta: metaOf(e, dec)}
			}
		}
	}
	if dec {
		if s, ok := addWide(a, b, false); ok {
			return s
		}
	}
	return fromBig(addBig(a.bigOf(), b.bigOf(), false, precisionOf(dec)), dec)
}

// Sub returns a - b with Python's types and rounding.
func Sub(a, b Amount) Amount {
	dec := a.dec() || b.dec()
	if a.small() && b.small() && b.coef != math.MinInt64 {
		if ca, cb, e, ok := align(a, b); ok {
			if s, overflow := addInt64(ca, -cb); !overflow {
				return Amount{coef: s, meta: metaOf(e, dec)}
			}
		}
	}
	if dec {
		if s, ok := addWide(a, b, true); ok {
			return s
		}
	}
	return fromBig(addBig(a.bigOf(), b.bigOf(), true, precisionOf(dec)), dec)
}

// Cmp compares the values of a and b: -1 if a < b, 0 if equal, +1 if a > b.
func Cmp(a, b Amount) int {
	if a.small() && b.small() {
		if ca, cb, _, ok := align(a, b); ok {
			switch {
			case ca < cb:
				return -1
			case ca > cb:
				return 1
			}
			return 0
		}
	}
	if r, ok := cmpWide(a, b); ok {
		return r
	}
	return cmpBig(a.bigOf(), b.bigOf())
}

// Min returns Python's min(a, b): a unless b < a, so the type of the returned
// operand is kept.
func Min(a, b Amount) Amount {
	if Cmp(b, a) < 0 {
		return b
	}
	return a
}

// Sum returns Python's sum(xs): a left fold from int 0.
func Sum(xs ...Amount) Amount {
	s := Int(0)
	for _, x := range xs {
		s = Add(s, x)
	}
	return s
}

// align brings a and b to their smaller exponent, as Python's exact decimal
// addition does, reporting false when a coefficient would overflow.
func align(a, b Amount) (ca, cb int64, e int32, ok bool) {
	ca, cb, e = a.coef, b.coef, a.exp()
	switch {
	case a.exp() > b.exp():
		e = b.exp()
		ca, ok = scale(a.coef, a.exp()-b.exp())
		return ca, cb, e, ok
	case b.exp() > a.exp():
		cb, ok = scale(b.coef, b.exp()-a.exp())
		return ca, cb, e, ok
	}
	return ca, cb, e, true
}

// scale returns c·10^n for n ≥ 0, reporting false on overflow.
func scale(c int64, n int32) (int64, bool) {
	for ; n > 0; n-- {
		hi, lo := bits.Mul64(uint64(abs(c)), 10)
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		if c < 0 {
			c = -int64(lo)
		} else {
			c = int64(lo)
		}
	}
	return c, true
}

func abs(c int64) int64 {
	if c < 0 {
		return -c
	}
	return c
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	overflow := (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0)
	return s, overflow
}

// Mul returns a * b with Python's types and rounding.
func Mul(a, b Amount) Amount {
	if p, ok := mulSmall(a, b); ok {
		return p
	}
	dec := a.dec() || b.dec()
	if dec {
		if p, ok := mulWide(a, b); ok {
			return p
		}
	}
	return fromBig(mulBig(a.bigOf(), b.bigOf(), precisionOf(dec)), dec)
}

// mulSmall returns the exact product a * b when both are small and it fits,
// which is Python's product: an exact result of at most 19 digits is never
// rounded.
func mulSmall(a, b Amount) (Amount, bool) {
	if !a.small() || !b.small() || a.coef == math.MinInt64 || b.coef == math.MinInt64 {
		return Amount{}, false
	}
	e := int64(a.exp()) + int64(b.exp())
	hi, lo := bits.Mul64(uint64(abs(a.coef)), uint64(abs(b.coef)))
	if hi != 0 || lo > math.MaxInt64 || e < math.MinInt32/2 || e > math.MaxInt32/2 {
		return Amount{}, false
	}
	c := int64(lo)
	if (a.coef < 0) != (b.coef < 0) {
		c = -c
	}
	return Amount{coef: c, meta: metaOf(int32(e), a.dec() || b.dec())}, true
}

// AsDecimal returns Python's Decimal(a): a itself for a Decimal, the same
// value as a Decimal for an int.
func AsDecimal(a Amount) Amount {
	a.meta |= metaDec
	return a
}

// Neg returns -a exactly, with a's type and exponent (apd's Neg: no rounding
// to the context, which Python's unary minus of a Decimal would apply to a
// value of more than 28 digits).
func Neg(a Amount) Amount {
	if neg, c, exp, ok := a.parts128(); ok {
		return fromU128(!neg && c != (u128{}), c, exp, a.dec())
	}
	b := a.big
	r := &Big{neg: !b.neg, exp: b.exp}
	r.coef.Set(&b.coef)
	return fromBig(r, a.dec())
}
