package pynum

import (
	"math"
	"testing"
)

func TestRound(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"4321.80", "4322"}, {"1187.10", "1187"}, {"688.50", "688"}, {"3676.50", "3676"},
		{"108.8288905717531238167360848", "109"}, {"0.5", "0"}, {"1.5", "2"}, {"-2.5", "-2"},
		{"0E-13", "0"}, {"12345678901234567890.5", "12345678901234567890"},
	} {
		a, err := ParseDecimal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got := Round(a)
		if got.IsDecimal() || got.String() != c.want {
			t.Errorf("Round(%s) = %s (decimal %v), want int %s", c.in, got, got.IsDecimal(), c.want)
		}
	}
	if got := Round(Int(7)); got.IsDecimal() || got.String() != "7" {
		t.Errorf("Round(int 7) = %s", got)
	}
}

func TestFloor(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"416.6666666666666666666666667", "416"}, {"2.0", "2"}, {"0.5", "0"}, {"-0.5", "-1"}, {"-2.0", "-2"},
		{"-2.5", "-3"}, {"1E+40", "10000000000000000000000000000000000000000"}, {"0E-13", "0"},
		{"12345678901234567890123.9", "12345678901234567890123"},
	} {
		a, err := ParseDecimal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Floor(a); got.IsDecimal() || got.String() != c.want {
			t.Errorf("Floor(%s) = %s (decimal %v), want int %s", c.in, got, got.IsDecimal(), c.want)
		}
	}
}

// FloorInt64 agrees with Floor, and whole with Floor(a) == a, wherever it
// answers; it answers for every value of at most 28 digits at an exponent
// ≤ 0 whose floor fits an int64, and for no other.
func TestFloorInt64(t *testing.T) {
	as := append(wideAmounts(t), smallAmounts()...)
	for _, s := range []string{"-0.5", "0.5", "-1.0", "-9223372036854775807.5", "9223372036854775806.99", "-9223372036854775808",
		"9999999999999999999999999999E-28", "-9999999999999999999999999999E-10", "99999999999999999999999999999E-28", "1E+2", "5E-40"} {
		as = append(as, mustAmount(t, s))
	}
	answered := 0
	for _, a := range as {
		f, whole, ok := FloorInt64(a)
		want := Floor(a)
		w, _ := want.Int64()
		tr, fits := a.Trunc().Int64() // |trunc(a)| below MaxInt64: the floor fits
		_, c, e, small := a.parts128()
		if expect := small && e <= 0 && c.cmp(pow10u128(Precision)) < 0 && fits && tr > -math.MaxInt64 && tr < math.MaxInt64; ok != expect {
			t.Fatalf("FloorInt64(%s): ok %v, want %v", a, ok, expect)
		}
		if !ok {
			continue
		}
		answered++
		if f != w || whole != (Cmp(want, a) == 0) {
			t.Fatalf("FloorInt64(%s) = %d, %v; Floor gives %s", a, f, whole, want)
		}
	}
	if answered < 100 {
		t.Fatalf("only %d values answered", answered)
	}
}
