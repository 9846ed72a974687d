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
	log4 := crLog(4.0)
	sgMagic := 1.0 + crLog(4.5)
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
		if rr+sgMagic-float64(4.5*z) >= 0.0 || rr >= crLog(z) {
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
			if u1 <= crPow(x, alpha-1.0) {
				return x
			}
		} else if u1 <= crExp(-x) {
			return x
		}
	}
}
