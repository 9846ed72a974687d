package config

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// How a parameter's decimal text is made from what the user wrote.
//
// bilancio records every ring parameter as str(Decimal) of its input, and
// which input depends on the option: the grid lists of `bilancio sweep ring`
// (--kappas 0.25,0.5,1) are Decimal(text), while its scalar options (--q-total,
// --kappa-min, --frontier-high, --frontier-tolerance, ...) are click floats,
// turned into Decimal(str(float)), so that --q-total 10000 is recorded as
// 10000.0. A sweep file's numbers follow the option they stand for, so that a
// sweep file and the equivalent bilancio command line record the same texts:
//
//   - textExact (grid and frontier lists): the shortest decimal that
//     identifies the number: 0.25 → "0.25", 10000 → "10000", 1e-7 →
//     "0.0000001". A value computed inexactly (1/3, or range(0, 1, 0.1), whose
//     later steps carry an error in the 150th digit) is rounded to 28
//     significant digits, Python's decimal precision, trailing zeros dropped:
//     range(0, 1, 0.1) gives "0.7", 1/3 gives "0.3333333333333333333333333333".
//   - textCLIFloat (q_total, LHS ranges, frontier bounds and tolerance):
//     Decimal(str(float(x))) of that text: 10000 → "10000.0", 0.1 → "0.1",
//     4 → "4.0", 1e16 → "1E+16".
//
// A string is decimal text taken as written, whatever the rule: "10000"
// stays "10000" and "0.50" stays "0.50" (it must parse as a finite decimal).
// This is the escape hatch when a registry must show a particular spelling.
type textRule int

const (
	textExact textRule = iota
	textCLIFloat
)

// maxDigits is Python's default decimal precision, to which inexact results
// are rounded.
const maxDigits = 28

// numberText is the shortest plain decimal text (no exponent) that identifies
// f at its precision, rounded to maxDigits significant digits when longer.
func numberText(f *big.Float) (string, error) {
	if f.IsInf() {
		return "", fmt.Errorf("the number is infinite")
	}
	if f.Sign() == 0 {
		return "0", nil
	}
	s := f.Text('e', -1) // -d.ddddde±xx
	mant, exp, _ := strings.Cut(s, "e")
	if digits := len(strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(mant), "0")); digits > maxDigits {
		s = f.Text('e', maxDigits-1)
		mant, exp, _ = strings.Cut(s, "e")
	}
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return "0", nil
	}
	var x int
	if _, err := fmt.Sscan(exp, &x); err != nil {
		return "", fmt.Errorf("cannot format %s: %v", s, err)
	}
	// The value is 0.digits × 10^(x+1): the point goes after x+1 digits.
	point := x + 1
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String(), nil
}

// cliFloatText is bilancio's Decimal(str(float(text))) of a decimal text,
// printed with str(Decimal): "10000" → "10000.0", "0.1" → "0.1".
func cliFloatText(text string) (string, error) {
	d, err := ring.ParseCLIFloat(text)
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// parseDecimalText checks that s is a finite decimal (as Python's Decimal
// reads it) and returns it as a Decimal.
func parseDecimalText(s string) (*pynum.Amount, error) {
	if strings.TrimSpace(s) != s || s == "" {
		return nil, fmt.Errorf("%q is not a decimal number (no spaces around it)", s)
	}
	d, err := ring.ParseDecimal(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a decimal number", s)
	}
	return &d, nil
}

// applyRule returns the text a number written as text (already the shortest
// decimal) gets under rule.
func applyRule(text string, rule textRule) (string, error) {
	if rule == textCLIFloat {
		return cliFloatText(text)
	}
	return text, nil
}
