package pyrandom

import (
	"math"
	"math/big"
)

// Correctly rounded log, exp and pow.
//
// CPython calls the platform libm, whose results may be off by an ulp or
// so, and Go's math package is a different implementation again (its Log,
// Exp and Pow disagree with glibc in about one gamma draw in five).
// Correct rounding is the one reference that does not depend on a platform,
// and the closest one to the libm that recorded bilancio's data
// (spec/engine.md §10.7), so gammavariate uses these functions.
//
// Each function evaluates its result with a known error bound and rounds it
// to float64 when both ends of the error interval round to the same float64
// (Ziv's strategy): first in double-double arithmetic (dd.go), which decides
// nearly every case in a microsecond, then in big.Float arithmetic at
// increasing precisions.

// ln2Digits is ln 2 to 160 significant digits (about 530 bits), from
// Python's decimal module: getcontext().prec = 160; Decimal(2).ln().
const ln2Digits = "0.6931471805599453094172321214581765680755001343602552541206800094933936219696947156058633269964186875420014810205706857336855202357581305570326707516350759619307"

const (
	startPrec = 96  // bits of the first attempt
	maxPrec   = 512 // ln2Digits holds a few more bits than this
	guardBits = 12  // the error bound is 2^(guardBits - prec), relative
)

// ln2 returns ln 2 rounded to prec bits.
func ln2(prec uint) *big.Float {
	f, _, err := big.ParseFloat(ln2Digits, 10, prec, big.ToNearestEven)
	if err != nil {
		panic("pyrandom: bad ln2 constant: " + err.Error())
	}
	return f
}

// roundChecked rounds z to float64 if its relative error bound 2^-(prec -
// guardBits) cannot change the result; ok is false when it can.
func roundChecked(z *big.Float, prec uint) (f float64, ok bool) {
	f, _ = z.Float64()
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(prec-guardBits))
	delta := new(big.Float).SetPrec(prec).Mul(z, eps)
	delta.Abs(delta)
	lo := new(big.Float).SetPrec(prec).Sub(z, delta)
	hi := new(big.Float).SetPrec(prec).Add(z, delta)
	fl, _ := lo.Float64()
	fh, _ := hi.Float64()
	return f, fl == f && fh == f
}

// ziv evaluates eval at increasing precisions until its result rounds
// unambiguously, and returns the last rounding if none does.
func ziv(eval func(prec uint) *big.Float) float64 {
	var f float64
	for prec := uint(startPrec); prec <= maxPrec; prec *= 2 {
		var ok bool
		if f, ok = roundChecked(eval(prec), prec); ok {
			break
		}
	}
	return f
}

// crLog returns the correctly rounded natural logarithm of x.
func crLog(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case x == 1:
		return 0
	}
	if f, ok := roundDD(ddLog(x), ddLogEps); ok {
		return f
	}
	return slowLog(x)
}

// slowLog is crLog for finite x > 0 in big.Float arithmetic only.
func slowLog(x float64) float64 {
	return ziv(func(prec uint) *big.Float { return bigLog(x, prec) })
}

// bigLog returns ln x for a finite x > 0 with a relative error below
// 2^(8-prec): x = m·2^e with m in [0.75, 1.5), ln x = e·ln 2 + ln m, and
// ln m = 2·atanh(s) = 2·(s + s³/3 + s⁵/5 + …) with s = (m−1)/(m+1), |s| ≤ 1/5.
// The two terms cannot cancel: |ln m| < 0.41 and |e·ln 2| ≥ 0.69 unless e = 0.
func bigLog(x float64, prec uint) *big.Float {
	wp := prec + 8
	frac, e := math.Frexp(x) // frac in [0.5, 1)
	if frac < 0.75 {
		frac *= 2
		e--
	}
	m := new(big.Float).SetPrec(wp).SetFloat64(frac)
	one := new(big.Float).SetPrec(wp).SetInt64(1)
	num := new(big.Float).SetPrec(wp).Sub(m, one)
	den := new(big.Float).SetPrec(wp).Add(m, one)
	s := new(big.Float).SetPrec(wp).Quo(num, den)
	s2 := new(big.Float).SetPrec(wp).Mul(s, s)
	sum := new(big.Float).SetPrec(wp).Set(s)
	pow := new(big.Float).SetPrec(wp).Set(s)
	term := new(big.Float).SetPrec(wp)
	limit := -int(wp) - 4
	for k := int64(3); s.Sign() != 0; k += 2 {
		pow.Mul(pow, s2)
		term.Quo(pow, new(big.Float).SetPrec(wp).SetInt64(k))
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < limit {
			break
		}
		sum.Add(sum, term)
	}
	sum.SetMantExp(sum, 1) // 2·atanh(s)
	if e != 0 {
		l := ln2(wp)
		l.Mul(l, new(big.Float).SetPrec(wp).SetInt64(int64(e)))
		sum.Add(sum, l)
	}
	return sum
}

// crExp returns the correctly rounded e^x.
func crExp(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > 709.8:
		return math.Inf(1)
	case x < -745.2:
		return 0
	case x == 0:
		return 1
	}
	if v, ok := scaleDD(ddExp(dd{x, 0})); ok {
		if f, ok := roundDD(v, ddExpEps); ok {
			return f
		}
	}
	return slowExp(x)
}

// slowExp is crExp for finite x in big.Float arithmetic only.
func slowExp(x float64) float64 {
	bx := new(big.Float).SetPrec(53).SetFloat64(x)
	return ziv(func(prec uint) *big.Float { return bigExp(bx, prec) })
}

// bigExp returns e^t with a relative error below 2^(8-prec) when |t| is at
// most about 710·2^(prec-53)·ulp, i.e. t known to prec bits. It reduces t =
// k·ln 2 + r with |r| ≤ ln 2 / 2, sums the Taylor series of e^(r/2^10) and
// squares the result ten times.
func bigExp(t *big.Float, prec uint) *big.Float {
	const halvings = 10
	wp := prec + 32 // k·ln 2 loses up to 11 bits, the squarings about 10
	tf, _ := t.Float64()
	k := math.Round(tf / math.Ln2)
	r := ln2(wp)
	r.Mul(r, new(big.Float).SetPrec(wp).SetFloat64(k))
	r.Sub(new(big.Float).SetPrec(wp).Set(t), r)
	r.SetMantExp(r, -halvings)
	sum := new(big.Float).SetPrec(wp).SetInt64(1)
	term := new(big.Float).SetPrec(wp).SetInt64(1)
	limit := -int(wp) - 4
	for n := int64(1); r.Sign() != 0; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetPrec(wp).SetInt64(n))
		if term.Sign() == 0 || term.MantExp(nil) < limit {
			break
		}
		sum.Add(sum, term)
	}
	for range halvings {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(k))
}

// crPow returns the correctly rounded x^y for x > 0 finite and y finite,
// which is what Python's float ** float computes through libm there; other
// arguments get math.Pow's C99 special values.
func crPow(x, y float64) float64 {
	if !(x > 0) || math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(y) || x == 1 || y == 0 {
		return math.Pow(x, y)
	}
	if y == 1 {
		return x
	}
	// t = y·ln x has a relative error of about ddLogEps, that is an absolute
	// one of |t|·ddLogEps, which e^t turns into a relative one.
	t := ddLog(x).mulF(y)
	if v, ok := scaleDD(ddExp(t)); ok {
		if f, ok := roundDD(v, ddExpEps+math.Abs(t.hi)*ddLogEps); ok {
			return f
		}
	}
	return slowPow(x, y)
}

// slowPow is crPow for finite x > 0 and finite y ∉ {0, 1} in big.Float
// arithmetic only.
func slowPow(x, y float64) float64 {
	if y == math.Trunc(y) && y >= 2 && y <= 64 {
		// Exact product, one rounding: this also settles the exact halfway
		// cases that Ziv's loop cannot.
		n := int(y)
		p := new(big.Float).SetPrec(uint(53 * n)).SetFloat64(x)
		b := new(big.Float).SetFloat64(x)
		for i := 1; i < n; i++ {
			p.Mul(p, b)
		}
		f, _ := p.Float64()
		return f
	}
	// ln x to prec bits is an absolute error of about |t|·2^-prec in t = y·ln x,
	// and so a relative one of the same size in e^t: ask for |t| more bits.
	_, te := math.Frexp(y * math.Log(x))
	extra := uint(max(te, 0))
	bx := x
	by := new(big.Float).SetPrec(53).SetFloat64(y)
	r := ziv(func(prec uint) *big.Float {
		wp := prec + extra
		t := bigLog(bx, wp)
		t.Mul(t, by)
		return bigExp(t, wp)
	})
	return r
}
