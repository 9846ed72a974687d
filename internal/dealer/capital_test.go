package dealer

import "testing"

// TestCapitalPerBucket checks (total·share)/n. Vectors from /tmp/dv/gen2.py:
// bilancio's expression (total_system_cash * share) / num_buckets under
// python3 with total accumulated from Decimal(0).
func TestCapitalPerBucket(t *testing.T) {
	for _, c := range []struct {
		total, share string
		n            int
		want         string
	}{
		{"5000", "0.25", 3, "416.6666666666666666666666667"},
		{"5000", "0.5", 3, "833.3333333333333333333333333"},
		{"5000", "0", 3, "0"},
		{"12345", "0.50", 3, "2057.50"},
		{"100.5", "0.25", 7, "3.589285714285714285714285714"},
		{"0", "0.25", 3, "0.00"},
		{"5000", "1", 4, "1250"},
	} {
		if got := CapitalPerBucket(dec(t, c.total), dec(t, c.share), c.n).String(); got != c.want {
			t.Errorf("(%s·%s)/%d = %s, want %s", c.total, c.share, c.n, got, c.want)
		}
	}
}
