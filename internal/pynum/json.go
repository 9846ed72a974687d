package pynum

import (
	"strconv"
)

// JSONNumber returns how bilancio's JSON writers print Decimal(a):
// normalised, as a JSON integer if integral (quoted false), otherwise the
// string of the normalised value (quoted true, without the quotes).
func JSONNumber(a Amount) (text string, quoted bool) {
	var buf [spellBuf]byte
	n := spellNormalized(buf[:0], a)
	var out [spellBuf + 16]byte
	b, quoted := n.appendJSON(out[:0], false)
	return string(b), quoted
}

// AppendJSONNumber appends JSONNumber(a) as JSON: the text, in double quotes
// when quoted (the text of a decimal never needs escaping).
func AppendJSONNumber(dst []byte, a Amount) []byte {
	var buf [spellBuf]byte
	dst, _ = spellNormalized(buf[:0], a).appendJSON(dst, true)
	return dst
}

// AmountJSON is JSONNumber for an Amount: an int prints as digits, a Decimal
// through JSONNumber.
func AmountJSON(a Amount) (text string, quoted bool) {
	var out [spellBuf + 16]byte
	b, quoted := appendAmountJSON(out[:0], a, false)
	return string(b), quoted
}

// AppendAmountJSON appends AmountJSON(a) as JSON, as AppendJSONNumber does.
func AppendAmountJSON(dst []byte, a Amount) []byte {
	dst, _ = appendAmountJSON(dst, a, true)
	return dst
}

func appendAmountJSON(dst []byte, a Amount, quotes bool) ([]byte, bool) {
	var buf [spellBuf]byte
	if !a.dec() {
		// A Python int prints exactly, never normalised.
		if !a.small() {
			return append(dst, a.String()...), false
		}
		return strconv.AppendInt(dst, a.coef, 10), false
	}
	if a.small() {
		// Normalised, an integral small Decimal prints as its integer: the
		// coefficient's digits and the exponent's zeros.
		c, e := a.coef, a.exp()
		for e < 0 && c%10 == 0 && c != 0 {
			c /= 10
			e++
		}
		switch {
		case c == 0:
			return append(dst, '0'), false
		case e >= 0:
			return appendZeros(strconv.AppendInt(dst, c, 10), int(e)), false
		}
	}
	return spellNormalized(buf[:0], a).appendJSON(dst, quotes)
}

// appendJSON appends a normalised n as bilancio's JSON writers print it:
// integer digits, or str() in double quotes if quotes is set. It reports
// whether the text is a quoted string.
func (n spelled) appendJSON(dst []byte, quotes bool) ([]byte, bool) {
	if n.exp >= 0 {
		return n.appendInteger(dst), false
	}
	if quotes {
		dst = append(dst, '"')
	}
	dst = n.appendStr(dst)
	if quotes {
		dst = append(dst, '"')
	}
	return dst, true
}

// ReadBack returns the Decimal that bilancio's metrics read back from the
// JSON text AmountJSON(a) (Python's Decimal of that text): an int n becomes
// Decimal(n), a Decimal its normalised value, an integral one at exponent 0.
func ReadBack(a Amount) Amount {
	if a.small() {
		if !a.dec() {
			return Dec(a.coef, 0)
		}
		if a.exp() >= 0 {
			if c, ok := scale(a.coef, a.exp()); ok {
				return Dec(c, 0)
			}
		} else {
			c, e := stripZeros(a.coef, a.exp())
			return Dec(c, e) // e is 0 when a is integral
		}
	}
	text, _ := AmountJSON(a)
	r, err := ParseDecimal(text)
	if err != nil {
		panic("pynum: reading back " + text + ": " + err.Error())
	}
	return r
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
