package pyrandom

import "math"

// Double-double arithmetic: a value is the unevaluated sum hi + lo of two
// float64s with |lo| ≤ ulp(hi)/2, about 106 bits of precision. It gives log,
// exp and pow a fast path whose error is known well enough to decide the
// correct rounding in all but about one case in 2^30; the big.Float
// evaluation settles the rest (crmath.go).
type dd struct{ hi, lo float64 }

// ln 2 as a double-double, to about 2^-110.
const (
	ln2Hi = 0x1.62e42fefa39efp-1
	ln2Lo = 0x1.abc9e3b39803fp-56
)

// twoSum returns s = fl(a+b) and the exact error a + b − s (Knuth).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// fastTwoSum is twoSum for |a| ≥ |b| (Dekker).
func fastTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

// twoProd returns p = fl(a·b) and the exact error a·b − p.
func twoProd(a, b float64) (p, e float64) {
	p = float64(a * b)
	e = math.FMA(a, b, -p)
	return p, e
}

func (x dd) add(y dd) dd {
	s, e := twoSum(x.hi, y.hi)
	t, f := twoSum(x.lo, y.lo)
	e += t
	s, e = fastTwoSum(s, e)
	e += f
	s, e = fastTwoSum(s, e)
	return dd{s, e}
}

func (x dd) mul(y dd) dd {
	p, e := twoProd(x.hi, y.hi)
	e += x.hi*y.lo + x.lo*y.hi
	p, e = fastTwoSum(p, e)
	return dd{p, e}
}

func (x dd) mulF(f float64) dd {
	p, e := twoProd(x.hi, f)
	e += x.lo * f
	p, e = fastTwoSum(p, e)
	return dd{p, e}
}

// divInt divides by a small integer n (exactly representable, n > 0).
func (x dd) divInt(n float64) dd {
	q := x.hi / n
	r := math.FMA(-q, n, x.hi) + x.lo
	s, e := fastTwoSum(q, r/n)
	return dd{s, e}
}

// roundDD returns the float64 nearest to v, and whether that is also the
// nearest float64 to every value within relative distance eps of v (so to the
// exact result v approximates).
func roundDD(v dd, eps float64) (float64, bool) {
	err := eps * math.Abs(v.hi)
	a := v.hi + (v.lo - err)
	b := v.hi + (v.lo + err)
	return v.hi, a == v.hi && b == v.hi && !math.IsInf(v.hi, 0) && !math.IsNaN(v.hi)
}

// Relative error bounds of the double-double results, with a wide margin
// over the analysis (a few 2^-104 per operation; the exponential's eight
// squarings multiply its error by 2^8).
const (
	ddLogEps = 0x1p-90
	ddExpEps = 0x1p-88
)

// ddLog returns ln x for a finite x > 0: x = m·2^e with m in [1/√2, √2),
// ln x = e·ln 2 + 2·atanh(s), s = (m−1)/(m+1), |s| < 0.172, the series
// s + s³/3 + … summed by Horner's rule to s^45.
func ddLog(x float64) dd {
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	num := m - 1 // exact (Sterbenz)
	dhi, dlo := twoSum(m, 1)
	q1 := num / dhi
	p, pe := twoProd(q1, dhi)
	r := ((num - p) - pe) - q1*dlo
	shi, slo := fastTwoSum(q1, r/dhi)
	s := dd{shi, slo}
	s2 := s.mul(s)
	one := dd{1, 0}
	acc := one.divInt(45)
	for k := 21; k >= 0; k-- {
		acc = acc.mul(s2).add(one.divInt(float64(2*k + 1)))
	}
	res := s.mul(acc).mulF(2)
	if e != 0 {
		res = res.add(dd{ln2Hi, ln2Lo}.mulF(float64(e)))
	}
	return res
}

// ddExp returns e^t as m·2^k with m a double-double in [0.7, 1.42]: t =
// k·ln 2 + r, e^r = (e^(r/256))^256 with e^(r/256) from its Taylor series to
// the tenth power.
func ddExp(t dd) (m dd, k int) {
	kf := math.RoundToEven(t.hi / math.Ln2)
	r := t.add(dd{ln2Hi, ln2Lo}.mulF(-kf))
	s := dd{r.hi / 256, r.lo / 256}
	one := dd{1, 0}
	acc := one
	for n := 10; n >= 1; n-- {
		acc = one.add(acc.mul(s).divInt(float64(n)))
	}
	for range 8 {
		acc = acc.mul(acc)
	}
	return acc, int(kf)
}

// scaleDD returns m·2^k, and false when that leaves the normal range (where
// scaling would round).
func scaleDD(m dd, k int) (dd, bool) {
	hi := math.Ldexp(m.hi, k)
	if math.IsInf(hi, 0) || math.Abs(hi) < 0x1p-1022*0x1p53 {
		return dd{}, false
	}
	return dd{hi, math.Ldexp(m.lo, k)}, true
}
