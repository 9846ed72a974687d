package report

import (
	"math"
	"strconv"
	"strings"
)

// The one rule for numbers on every page and figure: four significant
// digits, no trailing zeros, no exponent between 0.001 and a million (an
// exponent like 4.5e-8 outside), and an exact zero however it was written
// ("0E-28", "0.0") as 0. The pages' scripts follow the same rule (nf in
// run.js and dashboard.js); the exact value goes to a tooltip.

// sigDigits is how many significant digits a number shows.
const sigDigits = 4

// fmtVal prints v by the rule; NaN is "—".
func fmtVal(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "—"
	case math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case a == 0:
		return "0"
	case a < 1e-3 || a >= 1e6:
		s := strconv.FormatFloat(v, 'e', sigDigits-1, 64) // 4.500e-08
		mant, exp, _ := strings.Cut(s, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		e, _ := strconv.Atoi(exp)
		return mant + "e" + strconv.Itoa(e)
	}
	s := strconv.FormatFloat(v, 'g', sigDigits, 64)
	if strings.ContainsAny(s, "e") { // 1.234e+05: print it whole
		f, _ := strconv.ParseFloat(s, 64)
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// fmtText prints a number given as text (a registry or metrics cell) by
// the rule and says whether that lost digits: then the page shows the
// exact text on hover. Text that is not a number is returned as it is; ""
// is "—".
func fmtText(s string) (shown string, rounded bool) {
	if s == "" {
		return "—", false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s, false
	}
	shown = fmtVal(v)
	return shown, shown != s
}
