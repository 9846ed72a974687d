package pynum

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// Amount is a Python int or a Python Decimal, as bilancio's amounts are.
//
// The distinction matters for printing: balances.csv prints a Decimal through
// float (`64.0`) and an int as digits (`36`). Arithmetic follows Python: int op
// int is an int; anything involving a Decimal is a Decimal rounded to 28
// significant digits.
//
// An Amount is an immutable value. Small values are held as coef·10^exp in an
// int64; larger ones in an apd.Decimal that is never modified after creation.
type Amount struct {
	coef int64
	exp  int32
	dec  bool
	big  *apd.Decimal
}

// Int returns the Python int n.
func Int(n int64) Amount { return Amount{coef: n} }

// Dec returns the Python Decimal coef·10^exp.
func Dec(coef int64, exp int32) Amount { return Amount{coef: coef, exp: exp, dec: true} }

// ParseDecimal returns Decimal(s) as Python builds it from a string: exactly,
// without rounding. It accepts what Python's Decimal accepts for finite values
// (sign, digits, a point, an exponent, surrounding whitespace, underscores
// between digits are not accepted).
func ParseDecimal(s string) (Amount, error) {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return Amount{}, fmt.Errorf("not a decimal number: %q", s)
	}
	if d.Form != apd.Finite {
		return Amount{}, fmt.Errorf("not a finite decimal number: %q", s)
	}
	return FromDecimal(d, true), nil
}

// FromFloat returns Decimal(repr(f)): the decimal with the shortest digits that
// round-trip to f, which is how bilancio turns a YAML float into a Decimal.
func FromFloat(f float64) (Amount, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return Amount{}, fmt.Errorf("not a finite number: %v", f)
	}
	return ParseDecimal(FloatRepr(f))
}

// FromDecimal wraps d as a Decimal (isDecimal) or an int. d is copied.
func FromDecimal(d *apd.Decimal, isDecimal bool) Amount {
	if d.Coeff.IsInt64() && d.Exponent >= math.MinInt32/2 && d.Exponent <= math.MaxInt32/2 {
		c := d.Coeff.Int64()
		if d.Negative {
			c = -c
		}
		a := Amount{coef: c, exp: d.Exponent, dec: isDecimal}
		if !isDecimal && a.exp != 0 {
			// An int is always held with exponent 0.
			return intFromDecimal(d)
		}
		return a
	}
	cp := new(apd.Decimal).Set(d)
	return Amount{dec: isDecimal, big: cp}
}

func intFromDecimal(d *apd.Decimal) Amount {
	var r apd.Decimal
	if _, err := exactContext().Quantize(&r, d, 0); err != nil {
		panic(fmt.Sprintf("pynum: int from %s: %v", d, err))
	}
	if r.Coeff.IsInt64() {
		c := r.Coeff.Int64()
		if r.Negative {
			c = -c
		}
		return Amount{coef: c}
	}
	return Amount{big: &r}
}

// IsDecimal reports whether a is a Python Decimal (false: a Python int).
func (a Amount) IsDecimal() bool { return a.dec }

// Decimal returns a's value as a new apd.Decimal the caller may modify.
func (a Amount) Decimal() *apd.Decimal {
	if a.big != nil {
		return new(apd.Decimal).Set(a.big)
	}
	return apd.New(a.coef, a.exp)
}

// Int64 returns a's value truncated toward zero, and whether it fits an int64.
func (a Amount) Int64() (int64, bool) {
	t := a.Trunc()
	if t.big != nil {
		return 0, false
	}
	return t.coef, true
}

// Sign returns -1, 0 or +1.
func (a Amount) Sign() int {
	if a.big != nil {
		return a.big.Sign()
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
	if !a.dec {
		return a
	}
	if a.big == nil {
		c, e := a.coef, a.exp
		for e < 0 && c != 0 {
			c /= 10
			e++
		}
		if c == 0 {
			return Int(0)
		}
		if e == 0 {
			return Int(c)
		}
		if r, ok := scale(c, e); ok {
			return Int(r)
		}
	}
	d := a.Decimal()
	var r apd.Decimal
	ctx := exactContext()
	ctx.Rounding = apd.RoundDown
	if _, err := ctx.Quantize(&r, d, 0); err != nil {
		panic(fmt.Sprintf("pynum: truncate %s: %v", d, err))
	}
	return FromDecimal(&r, false)
}

// Float64 returns float(a), correctly rounded.
func (a Amount) Float64() float64 {
	if a.big == nil && a.exp == 0 && a.coef > -(1<<53) && a.coef < 1<<53 {
		return float64(a.coef)
	}
	f, err := strconv.ParseFloat(a.Decimal().Text('E'), 64)
	if err != nil && f == 0 {
		panic(fmt.Sprintf("pynum: float of %s: %v", a.Decimal(), err))
	}
	return f
}

// String prints a like Python's str(): digits for an int, str(Decimal) for a Decimal.
func (a Amount) String() string {
	if !a.dec {
		if a.big == nil {
			return strconv.FormatInt(a.coef, 10)
		}
		return a.Decimal().Text('f')
	}
	return Str(a.Decimal())
}

// Add returns a + b with Python's types and rounding.
func Add(a, b Amount) Amount {
	dec := a.dec || b.dec
	if a.big == nil && b.big == nil {
		if ca, cb, e, ok := align(a, b); ok {
			if s, overflow := addInt64(ca, cb); !overflow {
				return Amount{coef: s, exp: e, dec: dec}
			}
		}
	}
	return slowOp(a, b, dec, (*apd.Context).Add)
}

// Sub returns a - b with Python's types and rounding.
func Sub(a, b Amount) Amount {
	dec := a.dec || b.dec
	if a.big == nil && b.big == nil && b.coef != math.MinInt64 {
		if ca, cb, e, ok := align(a, b); ok {
			if s, overflow := addInt64(ca, -cb); !overflow {
				return Amount{coef: s, exp: e, dec: dec}
			}
		}
	}
	return slowOp(a, b, dec, (*apd.Context).Sub)
}

// Cmp compares the values of a and b: -1 if a < b, 0 if equal, +1 if a > b.
func Cmp(a, b Amount) int {
	if a.big == nil && b.big == nil {
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
	return a.Decimal().Cmp(b.Decimal())
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

func slowOp(a, b Amount, dec bool, op func(*apd.Context, *apd.Decimal, *apd.Decimal, *apd.Decimal) (apd.Condition, error)) Amount {
	ctx := exactContext()
	if dec {
		ctx = Context()
	}
	var r apd.Decimal
	if _, err := op(ctx, &r, a.Decimal(), b.Decimal()); err != nil {
		panic(fmt.Sprintf("pynum: decimal operation on %s and %s: %v", a.Decimal(), b.Decimal(), err))
	}
	return FromDecimal(&r, dec)
}

// align brings a and b to their smaller exponent, as Python's exact decimal
// addition does, reporting false when a coefficient would overflow.
func align(a, b Amount) (ca, cb int64, e int32, ok bool) {
	ca, cb, e = a.coef, b.coef, a.exp
	switch {
	case a.exp > b.exp:
		e = b.exp
		ca, ok = scale(a.coef, a.exp-b.exp)
		return ca, cb, e, ok
	case b.exp > a.exp:
		cb, ok = scale(b.coef, b.exp-a.exp)
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
	dec := a.dec || b.dec
	if a.big == nil && b.big == nil {
		hi, lo := bits.Mul64(uint64(abs(a.coef)), uint64(abs(b.coef)))
		if hi == 0 && lo <= math.MaxInt64 && a.coef != math.MinInt64 && b.coef != math.MinInt64 {
			c := int64(lo)
			if (a.coef < 0) != (b.coef < 0) {
				c = -c
			}
			return Amount{coef: c, exp: a.exp + b.exp, dec: dec}
		}
	}
	return slowOp(a, b, dec, (*apd.Context).Mul)
}
