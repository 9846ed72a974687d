package pynum

import (
	"strconv"
	"strings"
)

// MetricCell prints Decimal(a) as bilancio's metric CSV files do:
// normalised, digits if integral, otherwise repr(float(normalised)).
func MetricCell(a Amount) string {
	var buf [32]byte
	return string(AppendMetricCell(buf[:0], a))
}

// AppendMetricCell appends MetricCell(a).
func AppendMetricCell(dst []byte, a Amount) []byte {
	var buf [spellBuf]byte
	n := spellNormalized(buf[:0], a)
	if n.exp >= 0 {
		return n.appendInteger(dst)
	}
	return AppendFloatRepr(dst, n.float64())
}

// BalanceCell prints an amount as bilancio's balances.csv does: an int as
// digits, a Decimal through float and repr.
func BalanceCell(a Amount) string {
	var buf [32]byte
	return string(AppendBalanceCell(buf[:0], a))
}

// AppendBalanceCell appends BalanceCell(a).
func AppendBalanceCell(dst []byte, a Amount) []byte {
	if a.dec() {
		return AppendFloatRepr(dst, a.Float64())
	}
	if a.small() {
		return strconv.AppendInt(dst, a.coef, 10)
	}
	return append(dst, a.String()...)
}

// BalanceCellValue returns Decimal(BalanceCell(a)), the value bilancio's
// metrics read back from a balances.csv cell, and false when the cell is not a
// finite number (a Decimal beyond the float range prints as inf).
func BalanceCellValue(a Amount) (Amount, bool) {
	if !a.dec() {
		if a.small() {
			return Dec(a.coef, 0), true
		}
		r, err := ParseDecimal(a.String())
		return r, err == nil
	}
	r, err := FromFloat(a.Float64())
	return r, err == nil
}

// ResultsCell prints Decimal(a) as bilancio's results.csv does: normalised,
// digits if integral, otherwise '%.6f' of the float with trailing zeros and a
// trailing point removed.
func ResultsCell(a Amount) string {
	var buf [spellBuf]byte
	n := spellNormalized(buf[:0], a)
	if n.exp >= 0 {
		return string(n.appendInteger(nil))
	}
	s := strconv.FormatFloat(n.float64(), 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}
