package pynum

import (
	"fmt"
	"math/big"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// The reference the tests hold pynum to: github.com/cockroachdb/apd/v3 in
// Python's contexts, as pynum itself computed before it had its own big form.
// apd is a test dependency only; bilancio does not link it.

// defaultContext is Python's default decimal context: precision 28,
// ROUND_HALF_EVEN.
func defaultContext() apd.Context {
	c := apd.BaseContext
	c.Precision = Precision
	c.Rounding = apd.RoundHalfEven
	return c
}

// exactContext computes Python int arithmetic: it never rounds in practice.
func exactContext() apd.Context {
	c := apd.BaseContext
	c.Precision = 1000
	return c
}

// DecQuo returns x / y as Python computes it: rounded to 28 digits when
// inexact, and at the ideal exponent (exp(x) - exp(y)) when exact.
func DecQuo(x, y *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	ctx := defaultContext()
	cond, err := ctx.Quo(r, x, y)
	if err != nil {
		panic(fmt.Sprintf("divide %s by %s: %v", Str(x), Str(y), err))
	}
	if cond.Inexact() {
		return r
	}
	ideal := x.Exponent - y.Exponent
	if r.IsZero() {
		r.Exponent = ideal
		return r
	}
	var ten, q, rem apd.BigInt
	ten.SetInt64(10)
	for r.Exponent < ideal {
		q.QuoRem(&r.Coeff, &ten, &rem)
		if rem.Sign() != 0 {
			break
		}
		r.Coeff.Set(&q)
		r.Exponent++
	}
	return r
}

// DecMul returns x * y in Python's default context.
func DecMul(x, y *apd.Decimal) *apd.Decimal { return op2((*apd.Context).Mul, x, y) }

// DecSquare returns Python's x ** 2 for a Decimal x: the product at 31
// digits, rounded to 28.
func DecSquare(x *apd.Decimal) *apd.Decimal {
	work := defaultContext()
	work.Precision = Precision + 3
	var sq apd.Decimal
	if _, err := work.Mul(&sq, x, x); err != nil {
		panic(err)
	}
	r := new(apd.Decimal)
	ctx := defaultContext()
	if _, err := ctx.Round(r, &sq); err != nil {
		panic(err)
	}
	return r
}

// apdNormalize returns Python's d.normalize(): rounded to 28 digits first,
// then trailing zeros stripped.
func apdNormalize(d *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	if d.IsZero() {
		r.Negative = d.Negative
		return r
	}
	ctx := defaultContext()
	var rounded apd.Decimal
	if _, err := ctx.Round(&rounded, d); err != nil {
		panic(err)
	}
	if _, _, err := ctx.Reduce(r, &rounded); err != nil {
		panic(err)
	}
	return r
}

// Str prints the finite d as Python's str(Decimal) does.
func Str(d *apd.Decimal) string {
	s := spelled{neg: d.Negative, digits: d.Coeff.Append(nil, 10), exp: int(d.Exponent)}
	return string(s.appendStr(nil))
}

// DecimalFloat returns float(d), correctly rounded.
func DecimalFloat(d *apd.Decimal) float64 {
	f, _ := strconv.ParseFloat(d.Text('E'), 64)
	return f
}

// FromDecimal returns the Amount of d, a Decimal (isDecimal) or an int.
func FromDecimal(d *apd.Decimal, isDecimal bool) Amount {
	c := d.Coeff.MathBigInt()
	if d.Negative {
		c.Neg(c)
	}
	return FromCoefficient(c, d.Exponent, isDecimal)
}

// Decimal returns a's value as an apd.Decimal.
func (a Amount) Decimal() *apd.Decimal {
	c, exp := a.Coefficient()
	d := new(apd.Decimal)
	d.Coeff.SetMathBigInt(new(big.Int).Abs(c))
	d.Negative, d.Exponent = c.Sign() < 0, exp
	return d
}

// DecAdd returns x + y in Python's default context.
func DecAdd(x, y *apd.Decimal) *apd.Decimal { return op2((*apd.Context).Add, x, y) }

// DecSub returns x - y in Python's default context.
func DecSub(x, y *apd.Decimal) *apd.Decimal { return op2((*apd.Context).Sub, x, y) }

// op2 applies an apd operation in Python's default context.
func op2(f func(*apd.Context, *apd.Decimal, *apd.Decimal, *apd.Decimal) (apd.Condition, error), x, y *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	ctx := defaultContext()
	if _, err := f(&ctx, r, x, y); err != nil {
		panic(err)
	}
	return r
}
