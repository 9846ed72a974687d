package ring

import (
	"strconv"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// scenarioName is bilancio's "{prefix} (n=…, kappa=…, c=…, mu=…)".
func scenarioName(r *resolved) string {
	b := make([]byte, 0, len(r.NamePrefix)+48)
	b = append(b, r.NamePrefix...)
	b = append(b, " (n="...)
	b = strconv.AppendInt(b, int64(r.NAgents), 10)
	b = append(b, ", kappa="...)
	b = appendFmtDecimal(b, r.kappa)
	b = append(b, ", c="...)
	b = appendFmtDecimal(b, r.concentration)
	b = append(b, ", mu="...)
	b = appendFmtDecimal(b, r.mu)
	b = append(b, ')')
	return string(b)
}

// description is bilancio's one-line summary of the parameters; S1 and L0
// are the resolved totals.
func description(r *resolved) string {
	b := make([]byte, 0, 160)
	b = append(b, "Ring of "...)
	b = strconv.AppendInt(b, int64(r.NAgents), 10)
	b = append(b, " agents with total dues S1="...)
	b = appendFmtDecimal(b, r.qTotal)
	b = append(b, "; initial liquidity L0="...)
	b = appendFmtDecimal(b, r.l0)
	b = append(b, " (kappa="...)
	b = appendFmtDecimal(b, r.kappa)
	b = append(b, "); Dirichlet concentration c="...)
	b = appendFmtDecimal(b, r.concentration)
	b = append(b, "; maturity mu="...)
	b = appendFmtDecimal(b, r.mu)
	b = append(b, " over "...)
	b = strconv.AppendInt(b, int64(r.MaturityDays), 10)
	b = append(b, " day horizon"...)
	return string(b)
}

// fmtDecimal is bilancio's _fmt_decimal: the normalised value as plain
// digits when integral, otherwise in fixed-point notation without trailing
// zeros, never with an exponent (10000.0 → 10000, 2.50 → 2.5, 1E-7 →
// 0.0000001).
func fmtDecimal(d pynum.Amount) string { return string(appendFmtDecimal(nil, d)) }

// appendFmtDecimal appends fmtDecimal(d).
func appendFmtDecimal(dst []byte, d pynum.Amount) []byte {
	var buf [48]byte
	neg, digits, exp := pynum.NormalizedDigits(buf[:0], d)
	if neg {
		dst = append(dst, '-')
	}
	if exp >= 0 {
		return appendZeros(append(dst, digits...), exp)
	}
	// Fixed-point notation of digits·10^exp, exp < 0; normalised digits
	// end in a digit other than zero, so nothing is left to trim.
	k := len(digits) + exp // digits before the point
	if k <= 0 {
		return append(appendZeros(append(dst, "0."...), -k), digits...)
	}
	dst = append(dst, digits[:k]...)
	dst = append(dst, '.')
	return append(dst, digits[k:]...)
}

// appendInteger appends a Decimal as Python's str(int(d)) prints it, when
// its normalised value is integral; ok is false otherwise, with f its float
// (correctly rounded).
func appendInteger(dst []byte, d pynum.Amount) (out []byte, f float64, ok bool) {
	var buf [48]byte
	neg, digits, exp := pynum.NormalizedDigits(buf[:0], d)
	if exp >= 0 {
		if neg {
			dst = append(dst, '-')
		}
		return appendZeros(append(dst, digits...), exp), 0, true
	}
	var fb [80]byte
	t := fb[:0]
	if neg {
		t = append(t, '-')
	}
	t = append(append(t, digits...), 'e')
	t = strconv.AppendInt(t, int64(exp), 10)
	f, _ = strconv.ParseFloat(string(t), 64) // only range errors, with ±Inf or ±0 as float() gives
	return dst, f, false
}

func appendZeros(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, '0')
	}
	return dst
}
