package pynum

import "testing"

// Vectors computed with CPython 3.11's decimal module.
func TestDecSquare(t *testing.T) {
	tests := []struct{ x, square, product string }{
		// x ** 2 differs from x * x in the last digit (double rounding).
		{"1.118111500848807368131304997", "1.250173328330372559905165202", "1.250173328330372559905165203"},
		{"0.9174132151525125877418918491", "0.8416470073364703519197772724", "0.8416470073364703519197772723"},
		{"2.142973942596272632722521059", "4.592337318646612792859739344", "4.592337318646612792859739345"},
		// Exact squares keep the ideal exponent of a product.
		{"0.50", "0.2500", "0.2500"},
		{"1.0", "1.00", "1.00"},
		{"3", "9", "9"},
	}
	for _, tt := range tests {
		x := mustDec(t, tt.x)
		if got := Str(DecSquare(x)); got != tt.square {
			t.Errorf("DecSquare(%s) = %s, want %s", tt.x, got, tt.square)
		}
		if got := Str(DecMul(x, x)); got != tt.product {
			t.Errorf("DecMul(%s, %s) = %s, want %s", tt.x, tt.x, got, tt.product)
		}
	}
}

func TestNormalizeRoundsFirst(t *testing.T) {
	tests := map[string]string{
		"0.99999999999999999999999999999": "1",
		"123456789012345678901234567850":  "1.234567890123456789012345678E+29",
		"1234567890123456789012345678.50": "1234567890123456789012345678",
		"10000.00000000000000000000000":   "1E+4",
		"-0.00":                           "0", // an Amount has no negative zero
		"0E-5":                            "0",
		"-1.5E+400":                       "-1.5E+400",
		"12345678901234567890123456789012345678901234567890E-10": "1.234567890123456789012345679E+39",
	}
	for in, want := range tests {
		if got := Normalize(mustAmount(t, in)).String(); got != want {
			t.Errorf("Normalize(%s) = %s, want %s", in, got, want)
		}
	}
}
