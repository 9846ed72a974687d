package pynum

import (
	"math"
	"math/big"
	"testing"
)

func TestAmountTypes(t *testing.T) {
	i36, d50 := Int(36), Dec(500, -1)
	tests := []struct {
		name      string
		got       Amount
		want      string
		isDecimal bool
	}{
		{"int+int", Add(Int(1), Int(2)), "3", false},
		{"int+dec", Add(i36, d50), "86.0", true},
		{"dec-int", Sub(d50, i36), "14.0", true},
		{"min keeps a on tie", Min(d50, Int(50)), "50.0", true},
		{"min returns smaller", Min(d50, i36), "36", false},
		{"empty sum", Sum(), "0", false},
		{"sum with decimal", Sum(Int(1), Dec(5, -1)), "1.5", true},
		{"trunc", mustAmount(t, "36.2198").Trunc(), "36", false},
		{"trunc half", mustAmount(t, "0.5").Trunc(), "0", false},
		{"trunc negative", mustAmount(t, "-3.7").Trunc(), "-3", false},
		{"exact 28 digits", Add(mustAmount(t, "1250.0"), mustAmount(t, "416.6666666666667")), "1666.6666666666667", true},
		{"rounded to 28", Add(mustAmount(t, "1234567890.123456789012345678"), mustAmount(t, "0.0000000000000000005")), "1234567890.123456789012345678", true},
		{"big int", Add(Int(9223372036854775807), Int(1)), "9223372036854775808", false},
	}
	for _, tt := range tests {
		if tt.got.String() != tt.want || tt.got.IsDecimal() != tt.isDecimal {
			t.Errorf("%s: got %s (decimal %v), want %s (decimal %v)", tt.name, tt.got, tt.got.IsDecimal(), tt.want, tt.isDecimal)
		}
	}
}

func TestFromFloat(t *testing.T) {
	for f, want := range map[float64]string{100: "100.0", 0.5: "0.5", 1e16: "1E+16", 1e-7: "1E-7", 833.3333333333334: "833.3333333333334"} {
		if a, err := FromFloat(f); err != nil || a.String() != want {
			t.Errorf("FromFloat(%v) = %v, %v; want Decimal(%q)", f, a, err, want)
		}
	}
	a, err := FromFloat(833.3333333333334)
	if err != nil || a.String() != "833.3333333333334" {
		t.Fatalf("FromFloat = %v, %v", a, err)
	}
	if Cmp(a, mustAmount(t, "833.33333333333340")) != 0 {
		t.Errorf("Cmp of equal values != 0")
	}
	if Cmp(Int(3), Dec(31, -1)) != -1 {
		t.Errorf("3 < 3.1 expected")
	}
}

func mustAmount(t *testing.T, s string) Amount {
	t.Helper()
	a, err := ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// DecimalSum gives what adding each term to Decimal(0) with Add gives,
// exponent included, whole terms or not.
func TestDecimalSum(t *testing.T) {
	terms := [][]Amount{
		nil,
		{Int(5)},
		{Dec(50, 0), Int(7), Dec(-3, 0)},
		{Dec(50, 0), Dec(5, -1), Int(2)},
		{Dec(1, -28), Dec(3, 0), Quo(Int(1), Int(3))},
		{Dec(math.MaxInt64/2-1, 0), Dec(math.MaxInt64/2-1, 0), Dec(math.MaxInt64/2-1, 0), Int(9)},
		{Dec(20, 1), Int(1)},
		{Quo(Int(2), Int(3)), Dec(1, 0), Dec(1, 0)},
	}
	for _, xs := range terms {
		want := Dec(0, 0)
		var s DecimalSum
		for _, x := range xs {
			want = Add(want, x)
			s.Add(x)
		}
		if got := s.Value(); got.String() != want.String() || !got.IsDecimal() {
			t.Errorf("sum of %v = %s, want %s", xs, got, want)
		}
	}
}

// pow10Big is 10^n, from its table and beyond it.
func TestPow10Big(t *testing.T) {
	for n := int64(0); n <= 80; n++ {
		want := new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
		if got := pow10Big(n); got.Cmp(want) != 0 {
			t.Errorf("pow10Big(%d) = %s, want %s", n, got, want)
		}
	}
}
