package pynum

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Str prints d as Python's str(Decimal) does: the General Decimal Arithmetic
// to-scientific-string of the coefficient and exponent as computed, without
// normalising (`4.000E+4`, `0E-28`, `0.000123`, `10000.0`).
func Str(d *apd.Decimal) string {
	var b strings.Builder
	if d.Negative {
		b.WriteByte('-')
	}
	switch d.Form {
	case apd.NaN:
		b.WriteString("NaN")
		return b.String()
	case apd.NaNSignaling:
		b.WriteString("sNaN")
		return b.String()
	case apd.Infinite:
		b.WriteString("Infinity")
		return b.String()
	}
	digits := d.Coeff.Text(10)
	e := int(d.Exponent)
	adj := e + len(digits) - 1
	switch {
	case e <= 0 && adj >= -6:
		if e == 0 {
			b.WriteString(digits)
			break
		}
		point := len(digits) + e // digits before the point
		if point <= 0 {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -point))
			b.WriteString(digits)
		} else {
			b.WriteString(digits[:point])
			b.WriteByte('.')
			b.WriteString(digits[point:])
		}
	default:
		b.WriteByte(digits[0])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('E')
		if adj >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(adj))
	}
	return b.String()
}

// Normalize returns Python's d.normalize(): rounded to 28 digits, trailing
// zeros stripped, and zero as plain 0.
func Normalize(d *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	if d.IsZero() {
		r.Negative = d.Negative
		return r
	}
	// Python rounds to the context precision first and then strips the
	// trailing zeros (rounding can create new ones: 0.999…9 with 29 nines
	// becomes 1); apd's Reduce strips first and rounds afterwards.
	var rounded apd.Decimal
	if _, err := Context().Round(&rounded, d); err != nil {
		panic(fmt.Sprintf("pynum: normalize %s: %v", Str(d), err))
	}
	if _, _, err := Context().Reduce(r, &rounded); err != nil {
		panic(fmt.Sprintf("pynum: normalize %s: %v", Str(d), err))
	}
	return r
}

// IsIntegral reports whether a normalised decimal has no fractional part.
func isIntegral(n *apd.Decimal) bool { return n.Exponent >= 0 }

// integerDigits prints an integral decimal as plain digits, never with an exponent.
func integerDigits(n *apd.Decimal) string {
	s := n.Coeff.Text(10)
	if n.Exponent > 0 && s != "0" {
		s += strings.Repeat("0", int(n.Exponent))
	}
	if n.Negative && s != "0" {
		s = "-" + s
	}
	return s
}

// JSONNumber returns how bilancio's JSON writers print a Decimal: normalised,
// as a JSON integer if integral (quoted false), otherwise the string of the
// normalised value (quoted true, without the quotes).
func JSONNumber(d *apd.Decimal) (text string, quoted bool) {
	n := Normalize(d)
	if isIntegral(n) {
		return integerDigits(n), false
	}
	return Str(n), true
}

// FloatRepr prints f as Python's repr(float): the shortest round-trip digits,
// fixed notation for decimal exponents in [-4, 16) with at least one
// fractional digit, scientific otherwise (`1e-07`, `1.5e+16`).
func FloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	mant, expText, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if exp >= -4 && exp < 16 {
		if exp < 0 {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -exp-1))
			b.WriteString(digits)
		} else if len(digits) <= exp+1 {
			b.WriteString(digits)
			b.WriteString(strings.Repeat("0", exp+1-len(digits)))
			b.WriteString(".0")
		} else {
			b.WriteString(digits[:exp+1])
			b.WriteByte('.')
			b.WriteString(digits[exp+1:])
		}
		return b.String()
	}
	b.WriteByte(digits[0])
	if len(digits) > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	b.WriteByte('e')
	if exp < 0 {
		b.WriteByte('-')
		exp = -exp
	} else {
		b.WriteByte('+')
	}
	if exp < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(exp))
	return b.String()
}

// DecimalFloat returns float(d), correctly rounded.
func DecimalFloat(d *apd.Decimal) float64 {
	f, err := strconv.ParseFloat(d.Text('E'), 64)
	if err != nil && !math.IsInf(f, 0) && f != 0 {
		panic(fmt.Sprintf("pynum: float of %s: %v", Str(d), err))
	}
	return f
}

// MetricCell prints a Decimal as bilancio's metric CSV files do: normalised,
// digits if integral, otherwise repr(float(normalised)).
func MetricCell(d *apd.Decimal) string {
	n := Normalize(d)
	if isIntegral(n) {
		return integerDigits(n)
	}
	return FloatRepr(DecimalFloat(n))
}

// BalanceCell prints an amount as bilancio's balances.csv does: an int as
// digits, a Decimal through float and repr.
func BalanceCell(a Amount) string {
	if !a.dec {
		return a.String()
	}
	return FloatRepr(a.Float64())
}

// ResultsCell prints a Decimal as bilancio's results.csv does: normalised,
// digits if integral, otherwise '%.6f' of the float with trailing zeros and a
// trailing point removed.
func ResultsCell(d *apd.Decimal) string {
	n := Normalize(d)
	if isIntegral(n) {
		return integerDigits(n)
	}
	s := strconv.FormatFloat(DecimalFloat(n), 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// AmountJSON is JSONNumber for an Amount: an int prints as digits, a Decimal
// through JSONNumber.
func AmountJSON(a Amount) (text string, quoted bool) {
	if !a.dec {
		return a.String(), false // a Python int prints exactly, never normalised
	}
	if a.big == nil {
		if !a.dec || a.exp >= 0 {
			// Integral: the normalised form is the plain digits.
			if c, ok := scale(a.coef, a.exp); ok {
				return strconv.FormatInt(c, 10), false
			}
		} else if c, e := stripZeros(a.coef, a.exp); e >= 0 {
			return strconv.FormatInt(c, 10), false
		} else if e >= -6-int32(numDigits(c))+1 {
			// Plain notation: str() of the normalised value.
			return Str(apd.New(c, e)), true
		}
	}
	return JSONNumber(a.Decimal())
}

// stripZeros removes trailing zeros of c·10^e while e < 0.
func stripZeros(c int64, e int32) (int64, int32) {
	for e < 0 && c != 0 && c%10 == 0 {
		c /= 10
		e++
	}
	if c == 0 {
		e = 0
	}
	return c, e
}

// numDigits is the number of decimal digits of |c| (1 for 0).
func numDigits(c int64) int {
	n := 1
	for c >= 10 || c <= -10 {
		c /= 10
		n++
	}
	return n
}
