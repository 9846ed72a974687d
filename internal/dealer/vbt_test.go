package dealer

import (
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// TestVBTQuotes checks A and B with their exponents. Vectors from
// /tmp/dv/gen2.py: bilancio's VBTState(M, O).recompute_quotes() under python3,
// str() of A and B.
func TestVBTQuotes(t *testing.T) {
	for _, c := range [][4]string{ // M, O, A, B
		{"1.0", "0.20", "1.10", "0.90"},
		{"1.0", "0.30", "1.15", "0.85"},
		{"1.0", "0.40", "1.20", "0.80"},
		{"1", "0.3", "1.15", "0.85"},
		{"0.1", "0.5", "0.35", "0"},
		{"0.25", "0.5", "0.50", "0.00"},
		{"2.50", "1.000", "3.000", "2.000"},
		{"1.0", "0", "1.0", "1.0"},
	} {
		v := NewVBT("b", dec(t, c[0]), dec(t, c[1]), pynum.Dec(0, 0))
		if v.A.String() != c[2] || v.B.String() != c[3] {
			t.Errorf("M=%s O=%s: A, B = %s, %s, want %s, %s", c[0], c[1], v.A, v.B, c[2], c[3])
		}
	}
}
