package pynum

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func mustDec(t *testing.T, s string) *apd.Decimal {
	t.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return d
}

// The vectors of spec/engine.md §8.7.
func TestFormatVectors(t *testing.T) {
	quo := func() *apd.Decimal { return DecQuo(apd.New(100000, -1), apd.New(25, -2)) }
	tests := []struct {
		name            string
		d               *apd.Decimal
		str, json       string
		quoted          bool
		metric, balance string
	}{
		{"phi", mustDec(t, "0.1243941841680129240710823910"), "0.1243941841680129240710823910", "0.124394184168012924071082391", true, "0.12439418416801293", "0.12439418416801293"},
		{"5000", mustDec(t, "5000"), "5000", "5000", false, "5000", "5000.0"},
		{"64", mustDec(t, "64"), "64", "64", false, "64", "64.0"},
		{"tiny excess", mustDec(t, "7500.0000000000001"), "7500.0000000000001", "7500.0000000000001", true, "7500.0", "7500.0"},
		{"quotient", quo(), "4.000E+4", "40000", false, "40000", "40000.0"},
		{"zero e-28", mustDec(t, "0E-28"), "0E-28", "0", false, "0", "0.0"},
		{"third", mustDec(t, "833.3333333333334"), "833.3333333333334", "833.3333333333334", true, "833.3333333333334", "833.3333333333334"},
		{"1e-7", mustDec(t, "0.0000001"), "1E-7", "1E-7", true, "1e-07", "1e-07"},
		{"S1", mustDec(t, "10000.00000000000000000000000"), "10000.00000000000000000000000", "10000", false, "10000", "10000.0"},
		{"Q", mustDec(t, "10000.0"), "10000.0", "10000", false, "10000", "10000.0"},
		{"small", mustDec(t, "0.000123"), "0.000123", "0.000123", true, "0.000123", "0.000123"},
		{"negative", mustDec(t, "-5000.0"), "-5000.0", "-5000", false, "-5000", "-5000.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Str(tt.d); got != tt.str {
				t.Errorf("Str = %q, want %q", got, tt.str)
			}
			a := FromDecimal(tt.d, true)
			got, q := JSONNumber(a)
			if got != tt.json || q != tt.quoted {
				t.Errorf("JSONNumber = %q,%v, want %q,%v", got, q, tt.json, tt.quoted)
			}
			if got := MetricCell(a); got != tt.metric {
				t.Errorf("MetricCell = %q, want %q", got, tt.metric)
			}
			if got := BalanceCell(a); got != tt.balance {
				t.Errorf("BalanceCell = %q, want %q", got, tt.balance)
			}
			if got, q := AmountJSON(a); got != tt.json || q != tt.quoted {
				t.Errorf("AmountJSON = %q,%v, want %q,%v", got, q, tt.json, tt.quoted)
			}
		})
	}
}

func TestFloatRepr(t *testing.T) {
	tests := map[float64]string{
		50: "50.0", 0: "0.0", 0.0001: "0.0001", 1234567890123456: "1234567890123456.0",
		833.3333333333334: "833.3333333333334", 1.5e-05: "1.5e-05", 1e16: "1e+16",
		1234567: "1234567.0", -2.5: "-2.5", 1e-7: "1e-07", 1.5e300: "1.5e+300", 0.1: "0.1",
		123.456: "123.456", 1e22: "1e+22", 9999999999999998: "9999999999999998.0",
	}
	for f, want := range tests {
		if got := FloatRepr(f); got != want {
			t.Errorf("FloatRepr(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestResultsCell(t *testing.T) {
	tests := map[string]string{
		"0.1093357451512410812983619737": "0.109336", "10": "10", "0.5000000": "0.5",
		"0E-28": "0", "2.0000001": "2", "0.0000001": "0",
	}
	for in, want := range tests {
		if got := ResultsCell(mustAmount(t, in)); got != want {
			t.Errorf("ResultsCell(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestDecQuo(t *testing.T) {
	tests := []struct{ x, y, want string }{
		{"10000.0", "0.25", "4.000E+4"},
		{"10000.0", "2", "5000.0"},
		{"10000.0", "1", "10000.0"},
		{"77", "619", "0.1243941841680129240710823910"},
		{"1", "4", "0.25"},
		{"0", "5", "0"},
		{"6", "3", "2"},
		{"600", "3", "200"}, {"6.00", "3", "2.00"}, {"1E+3", "5", "2E+2"},
	}
	for _, tt := range tests {
		if got := Str(DecQuo(mustDec(t, tt.x), mustDec(t, tt.y))); got != tt.want {
			t.Errorf("%s / %s = %s, want %s", tt.x, tt.y, got, tt.want)
		}
	}
}

// AmountJSON's fast paths agree with JSONNumber on the decimal value.
func TestAmountJSONFastPath(t *testing.T) {
	for _, s := range []string{"50", "50.0", "64.000", "833.3333333333334", "0.5", "0.0000001", "0.000001",
		"1E+3", "-2.50", "7500.0000000000001", "0.00", "123456789012345678", "1.23456789012345678901234567890"} {
		a := mustAmount(t, s)
		got, gq := AmountJSON(a)
		want, wq := JSONNumber(mustAmount(t, s))
		if got != want || gq != wq {
			t.Errorf("AmountJSON(%s) = %q,%v; JSONNumber gives %q,%v", s, got, gq, want, wq)
		}
	}
}

// Integral floats (FloatRepr's fast path) print as the general path prints
// them, around the bounds of the fast path.
func TestFloatReprIntegral(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 99, -3, 1e15, 1e15 + 1, 9999999999999998, -9999999999999998,
		1e16, -1e16, 1e17, 123456789012345, 0.5, 2.5, math.MaxInt32, 4503599627370497} {
		want := reprGeneral(f)
		if got := FloatRepr(f); got != want {
			t.Errorf("FloatRepr(%v) = %s, want %s", f, got, want)
		}
	}
}

// reprGeneral is FloatRepr without the integral fast path.
func reprGeneral(f float64) string {
	var buf [32]byte
	neg, digits, x := shortest(buf[:0], f)
	s := ""
	if neg {
		s = "-"
	}
	if x >= -4 && x < 16 {
		switch {
		case x < 0:
			return s + "0." + strings.Repeat("0", -x-1) + string(digits)
		case len(digits) <= x+1:
			return s + string(digits) + strings.Repeat("0", x+1-len(digits)) + ".0"
		}
		return s + string(digits[:x+1]) + "." + string(digits[x+1:])
	}
	m := string(digits[:1])
	if len(digits) > 1 {
		m += "." + string(digits[1:])
	}
	return s + m + fmt.Sprintf("e%+03d", x)
}
