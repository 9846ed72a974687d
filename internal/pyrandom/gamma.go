package pyrandom

import (
	"fmt"
	"math"
)

// Gammavariate draws from the gamma distribution with shape alpha and scale
// beta as CPython 3.11's random.gammavariate does, consuming the same draws:
// Cheng's rejection method for alpha > 1, an exponential draw for alpha = 1,
// and Ahrens and Dieter's algorithm GS for alpha < 1. It fails, like CPython,
// unless alpha > 0 and beta > 0.
func (r *Random) Gammavariate(alpha, beta float64) (float64, error) {
	if !(alpha > 0 && beta > 0) {
		return 0, fmt.Errorf("gammavariate: alpha and beta must be > 0.0 (got %v, %v)", alpha, beta)
	}
	switch {
	case alpha > 1:
		return r.gammaCheng(alpha) * beta, nil
	case alpha == 1:
		return -crLog(1.0-r.Random()) * beta, nil
	}
	return r.gammaGS(alpha) * beta, nil
}

// gammaCheng is the alpha > 1 branch (R. C. H. Cheng, "The generation of
// gamma variables with non-integral shape parameters", 1977).
func (r *Random) gammaCheng(alpha float64) float64 {
	ainv := math.Sqrt(float64(2.0*alpha) - 1.0)
	bbb := alpha - log4
	ccc := alpha + ainv
	for {
		u1 := r.Random()
		if !(1e-7 < u1 && u1 < 0.9999999) {
			continue
		}
		u2 := 1.0 - r.Random()
		v := crLog(u1/(1.0-u1)) / ainv
		x := alpha * crExp(v)
		z := u1 * u1 * u2
		rr := bbb + float64(ccc*v) - x // float64(): no fused multiply-add
		if rr+sgMagic-float64(4.5*z) >= 0.0 || atLeastLog(rr, z) {
			return x
		}
	}
}

// gammaGS is the 0 < alpha < 1 branch (algorithm GS of Kennedy and Gentle,
// Statistical Computing).
func (r *Random) gammaGS(alpha float64) float64 {
	for {
		u := r.Random()
		b := (math.E + alpha) / math.E
		p := b * u
		var x float64
		if p <= 1.0 {
			x = crPow(p, 1.0/alpha)
		} else {
			x = -crLog((b - p) / alpha)
		}
		u1 := r.Random()
		if p > 1.0 {
			if atMostPow(u1, x, alpha-1.0) {
				return x
			}
		} else if atMostExp(u1, -x) {
			return x
		}
	}
}

// CPython's random module constants LOG4 = log(4.0) and SG_MAGICCONST =
// 1.0 + log(4.5), correctly rounded (TestGammaConstants).
const (
	log4    = 0x1.62e42fefa39efp+0
	sgMagic = 0x1.40859baee748fp+1
)

// The acceptance tests of the gamma draws compare a number with a
// correctly rounded exp, log or pow. Go's math functions are within a few
// ulps of the exact value, far inside fastMargin, so they settle the
// comparison unless the number lies within fastMargin of their result;
// only then is the correctly rounded value computed. The outcome is the
// comparison with the correctly rounded value either way
// (TestFastComparisons).
const fastMargin = 0x1p-30

// normalResult says a math function's result f can settle a comparison:
// finite and far from the subnormal range, where a relative margin holds.
func normalResult(f float64) bool { return f > 0x1p-1000 && f < 0x1p1000 }

// atMostExp reports u <= crExp(t).
func atMostExp(u, t float64) bool {
	if e := math.Exp(t); normalResult(e) {
		switch {
		case u < e*(1-fastMargin):
			return true
		case u > e*(1+fastMargin):
			return false
		}
	}
	return u <= crExp(t)
}

// atMostPow reports u <= crPow(x, y), for x > 0 and |y| < 2^20.
func atMostPow(u, x, y float64) bool {
	if p := math.Pow(x, y); normalResult(p) && x > 0 && math.Abs(y) < 0x1p20 {
		switch {
		case u < p*(1-fastMargin):
			return true
		case u > p*(1+fastMargin):
			return false
		}
	}
	return u <= crPow(x, y)
}

// atLeastLog reports v >= crLog(z), for z > 0.
func atLeastLog(v, z float64) bool {
	if l := math.Log(z); z > 0 && !math.IsInf(l, 0) && !math.IsNaN(l) && math.Abs(l) > 0x1p-1000 {
		m := math.Abs(l) * fastMargin
		switch {
		case v > l+m:
			return true
		case v < l-m:
			return false
		}
	}
	return v >= crLog(z)
}
