package pyrandom

import (
	"math"
	"testing"
)

// r = random.Random(42); [r.gammavariate(a, 1.0).hex() for _ in range(6)], r.random().hex()
// for each shape a: both sides of 1 in each branch (GS for a < 1, the
// exponential for a = 1, Cheng for a > 1). The trailing random() checks that
// exactly as many draws were consumed as in CPython.
func TestGammavariate(t *testing.T) {
	tests := []struct {
		alpha float64
		draws []string
		next  string
	}{
		{0.2, []string{"0x1.3835f4524354ep-3", "0x1.26265cac2f0bap-9", "0x1.3c678a1d6ebccp-2", "0x1.9cc1f198c2926p-1", "0x1.386c66a55d539p-6", "0x1.758fa40ece54ep-11"}, "0x1.b2c3ec7d6e0c0p-6"},
		{0.5, []string{"0x1.256f2b4edd496p-1", "0x1.b2498b91da7ccp-4", "0x1.5d83dc85974f8p+0", "0x1.ff09b37de7f05p-3", "0x1.127458b684843p-4", "0x1.02be45a2b4ac9p-10"}, "0x1.4cbda72ce2822p-1"},
		{0.999, []string{"0x1.bfa50c468efc5p-1", "0x1.80c168af9952cp-2", "0x1.0504786aaaa64p+0", "0x1.e9cdb1a11d23dp+0", "0x1.2740b0eb8206ep-1", "0x1.31cbc19e379aep-2"}, "0x1.b2c3ec7d6e0c0p-6"},
		{1.0, []string{"0x1.0522abc5cb2bbp+0", "0x1.9efcd9d563b89p-6", "0x1.4957d1933bfdep-2", "0x1.02a5f3fb7f829p-2", "0x1.55665453e55cap+0", "0x1.21117b7850dd4p+0"}, "0x1.c8cbc2a2e7490p-1"},
		{1.5, []string{"0x1.82ffee8031f42p-1", "0x1.8d1a3b25f0944p+1", "0x1.335938907cbdcp+0", "0x1.380fffac8fbbep-1", "0x1.e10dabe50bd90p-4", "0x1.29560870a063ap+1"}, "0x1.c3765f72ff5d0p-3"},
		{2.0, []string{"0x1.24938f5862852p+0", "0x1.cf5e93e77f491p+1", "0x1.aae381f4cfca0p+0", "0x1.eada8ebec6130p-1", "0x1.ffcdf705f403cp-3", "0x1.6ddf85bdefcbap+1"}, "0x1.c3765f72ff5d0p-3"},
		{5.0, []string{"0x1.8354c72831f2ap+2", "0x1.cf4dda6f3934cp+1", "0x1.c2bd61e3a4167p+2", "0x1.201d4fd19cec0p+2", "0x1.a29ae0ed3ba5ep+1", "0x1.89454a4b654acp+2"}, "0x1.c3765f72ff5d0p-3"},
	}
	for _, tt := range tests {
		r := New(42)
		for i, s := range tt.draws {
			got, err := r.Gammavariate(tt.alpha, 1.0)
			if err != nil {
				t.Fatal(err)
			}
			if want := hexFloat(t, s); got != want {
				t.Errorf("alpha %v draw %d = %x, want %s (%d ulp)", tt.alpha, i, got, s, ulps(got, want))
			}
		}
		if got, want := r.Random(), hexFloat(t, tt.next); got != want {
			t.Errorf("alpha %v: next random() = %x, want %s: draws consumed differ", tt.alpha, got, tt.next)
		}
	}
}

// r = random.Random(3); [r.gammavariate(2.0, 3.5).hex(), r.gammavariate(0.5, 0.25).hex(), r.gammavariate(1.0, 10.0).hex()]
func TestGammavariateScale(t *testing.T) {
	r := New(3)
	args := [][2]float64{{2.0, 3.5}, {0.5, 0.25}, {1.0, 10.0}}
	want := []string{"0x1.c997b2f890eefp+1", "0x1.88e7a09934ef1p-5", "0x1.3a7b095bc39e4p+3"}
	for i, a := range args {
		got, err := r.Gammavariate(a[0], a[1])
		if err != nil {
			t.Fatal(err)
		}
		if w := hexFloat(t, want[i]); got != w {
			t.Errorf("gammavariate(%v, %v) = %x, want %s", a[0], a[1], got, want[i])
		}
	}
}

func TestGammavariateRejectsBadShape(t *testing.T) {
	for _, a := range [][2]float64{{0, 1}, {-1, 1}, {1, 0}, {math.NaN(), 1}} {
		if _, err := New(1).Gammavariate(a[0], a[1]); err == nil {
			t.Errorf("gammavariate(%v, %v): no error", a[0], a[1])
		}
	}
}

// CPython's module constants LOG4 = log(4.0) and SG_MAGICCONST =
// 1.0 + log(4.5): math.log(4.0).hex(), (1 + math.log(4.5)).hex().
func TestGammaConstants(t *testing.T) {
	if got, want := crLog(4.0), hexFloat(t, "0x1.62e42fefa39efp+0"); got != want || log4 != want {
		t.Errorf("log(4) = %x, log4 %x, want %x", got, log4, want)
	}
	if got, want := 1.0+crLog(4.5), hexFloat(t, "0x1.40859baee748fp+1"); got != want || sgMagic != want {
		t.Errorf("1 + log(4.5) = %x, sgMagic %x, want %x", got, sgMagic, want)
	}
}

// The gamma draws' comparisons give what the comparison with the
// correctly rounded function gives: for numbers far from it, next to it
// and equal to it, over the arguments the draws see.
func TestFastComparisons(t *testing.T) {
	r := New(7)
	for range 20000 {
		a, b := r.Random(), r.Random()
		x := 40 * a          // -x for exp, and pow's base
		y := b - 1           // pow's exponent, alpha − 1
		z := a*a*b + 0x1p-60 // log's argument
		e, p, l := crExp(-x), crPow(x+0x1p-40, y), crLog(z)
		for _, u := range []float64{b, e, math.Nextafter(e, 0), math.Nextafter(e, 1), e * (1 + 0x1p-31)} {
			if got, want := atMostExp(u, -x), u <= e; got != want {
				t.Fatalf("atMostExp(%x, %x) = %v, want %v", u, -x, got, want)
			}
		}
		for _, u := range []float64{b, p, math.Nextafter(p, 0), math.Nextafter(p, 2), p * (1 - 0x1p-31)} {
			if got, want := atMostPow(u, x+0x1p-40, y), u <= p; got != want {
				t.Fatalf("atMostPow(%x, %x, %x) = %v, want %v", u, x+0x1p-40, y, got, want)
			}
		}
		for _, v := range []float64{-40 * b, l, math.Nextafter(l, 0), math.Nextafter(l, -100), l * (1 + 0x1p-31)} {
			if got, want := atLeastLog(v, z), v >= l; got != want {
				t.Fatalf("atLeastLog(%x, %x) = %v, want %v", v, z, got, want)
			}
		}
	}
}

// ulps is the distance between two floats of the same sign in units in the
// last place.
func ulps(a, b float64) int64 {
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	if d < 0 {
		d = -d
	}
	return d
}
