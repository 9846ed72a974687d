package pynum

import "testing"

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
