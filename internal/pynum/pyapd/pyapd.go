// Package pyapd applies pynum's Python number rules to
// github.com/cockroachdb/apd/v3 decimals, for the host-side code that still
// holds *apd.Decimal values. Each function converts to pynum.Amount, computes
// there, and converts back; the run path (the bilancio binary) uses
// pynum.Amount itself and does not link apd.
package pyapd

import (
	"math/big"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/cockroachdb/apd/v3"
)

// Precision is Python's default decimal precision (pynum.Precision).
const Precision = pynum.Precision

// FromDecimal returns the Amount of the finite d: a Decimal (isDecimal) or an
// int.
func FromDecimal(d *apd.Decimal, isDecimal bool) pynum.Amount {
	c := d.Coeff.MathBigInt()
	if d.Negative {
		c.Neg(c)
	}
	return pynum.FromCoefficient(c, d.Exponent, isDecimal)
}

// Decimal returns a's value as a new apd.Decimal.
func Decimal(a pynum.Amount) *apd.Decimal { return DecimalTo(a, new(apd.Decimal)) }

// DecimalTo sets d to a's value and returns d.
func DecimalTo(a pynum.Amount, d *apd.Decimal) *apd.Decimal {
	c, exp := a.Coefficient()
	d.Coeff.SetMathBigInt(new(big.Int).Abs(c))
	d.Form, d.Negative, d.Exponent = apd.Finite, c.Sign() < 0, exp
	return d
}

func dec(d *apd.Decimal) pynum.Amount { return FromDecimal(d, true) }

// DecAdd returns x + y in Python's default context.
func DecAdd(x, y *apd.Decimal) *apd.Decimal { return Decimal(pynum.Add(dec(x), dec(y))) }

// DecSub returns x - y in Python's default context.
func DecSub(x, y *apd.Decimal) *apd.Decimal { return Decimal(pynum.Sub(dec(x), dec(y))) }

// DecMul returns x * y in Python's default context.
func DecMul(x, y *apd.Decimal) *apd.Decimal { return Decimal(pynum.Mul(dec(x), dec(y))) }

// DecQuo returns x / y as Python divides Decimals (pynum.Quo). It panics on
// division by zero, which callers rule out first.
func DecQuo(x, y *apd.Decimal) *apd.Decimal { return Decimal(pynum.Quo(dec(x), dec(y))) }

// Normalize returns Python's d.normalize() (pynum.Normalize).
func Normalize(d *apd.Decimal) *apd.Decimal { return Decimal(pynum.Normalize(dec(d))) }

// DecimalFloat returns float(d), correctly rounded.
func DecimalFloat(d *apd.Decimal) float64 { return dec(d).Float64() }

// Str prints d as Python's str(Decimal) does.
func Str(d *apd.Decimal) string { return string(AppendStr(nil, d)) }

// AppendStr appends Str(d).
func AppendStr(dst []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling, apd.Infinite:
		if d.Negative {
			dst = append(dst, '-')
		}
		switch d.Form {
		case apd.NaN:
			return append(dst, "NaN"...)
		case apd.NaNSignaling:
			return append(dst, "sNaN"...)
		}
		return append(dst, "Infinity"...)
	}
	if d.Negative && d.IsZero() {
		dst = append(dst, '-') // Python's -0, which an Amount does not hold
	}
	return pynum.AppendStr(dst, dec(d))
}

// MetricCell is pynum.MetricCell of d.
func MetricCell(d *apd.Decimal) string { return pynum.MetricCell(dec(d)) }

// AppendMetricCell is pynum.AppendMetricCell of d.
func AppendMetricCell(dst []byte, d *apd.Decimal) []byte { return pynum.AppendMetricCell(dst, dec(d)) }

// ResultsCell is pynum.ResultsCell of d.
func ResultsCell(d *apd.Decimal) string { return pynum.ResultsCell(dec(d)) }

// JSONNumber is pynum.JSONNumber of d.
func JSONNumber(d *apd.Decimal) (text string, quoted bool) { return pynum.JSONNumber(dec(d)) }

// AppendJSONNumber is pynum.AppendJSONNumber of d.
func AppendJSONNumber(dst []byte, d *apd.Decimal) []byte { return pynum.AppendJSONNumber(dst, dec(d)) }

// Context returns a new decimal context equal to Python's default one:
// precision 28, ROUND_HALF_EVEN.
func Context() *apd.Context {
	c := apd.BaseContext
	c.Precision = Precision
	c.Rounding = apd.RoundHalfEven
	return &c
}
