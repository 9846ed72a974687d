package pynum

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
)

// Str prints d as Python's str(Decimal) does: the General Decimal Arithmetic
// to-scientific-string of the coefficient and exponent as computed, without
// normalising (`4.000E+4`, `0E-28`, `0.000123`, `10000.0`).
func Str(d *apd.Decimal) string {
	var buf [spellBuf + 16]byte
	return string(AppendStr(buf[:0], d))
}

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
	var buf [spellBuf]byte
	return spellDecimal(buf[:0], d).appendStr(dst)
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
	ctx := defaultContext()
	var rounded apd.Decimal
	if _, err := ctx.Round(&rounded, d); err != nil {
		panic(fmt.Sprintf("pynum: normalize %s: %v", Str(d), err))
	}
	if _, _, err := ctx.Reduce(r, &rounded); err != nil {
		panic(fmt.Sprintf("pynum: normalize %s: %v", Str(d), err))
	}
	return r
}
