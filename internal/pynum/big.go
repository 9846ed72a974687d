package pynum

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// The big form: an Amount whose coefficient outgrows 128 bits. Simulations
// rarely produce one (an int sum beyond 10^38, a Decimal read from a long
// string), so it is computed plainly on math/big, exactly and then rounded to
// Precision digits half to even as the General Decimal Arithmetic specifies
// for Python's default context (or not at all for a Python int, which is
// exact).

// Big is the big form of an Amount: ±coef·10^exp with a coefficient beyond
// 128 bits. It is never modified after creation; Amount.Parts hands it out so
// that a compact container can keep an Amount without its padding.
type Big struct {
	coef big.Int // the magnitude, ≥ 0
	neg  bool
	exp  int32
}

// parseLimit is the largest adjusted exponent (and exponent part, and number
// of fractional digits) ParseDecimal accepts, as bilancio-go always has.
const parseLimit = 100000

// ParseDecimal returns Decimal(s) as Python builds it from a string: exactly,
// without rounding. It accepts a sign, digits with an optional point, and an
// optional exponent (e or E, an optional sign, digits); no whitespace, no
// underscores, no infinities or NaNs; the exponent part and the adjusted
// exponent lie within ±100000.
func ParseDecimal(s string) (Amount, error) {
	if a, ok := parsePlain(s); ok {
		return a, nil
	}
	d, err := parseBig(s)
	if err != nil {
		return Amount{}, fmt.Errorf("not a decimal number: %q", s)
	}
	return fromBig(d, true), nil
}

// parsePlain parses the common case without allocating: a sign, at most 19
// digits and a point, no exponent; ok is false for anything else.
func parsePlain(s string) (Amount, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	var n uint64
	digits, point := 0, -1
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n = 10*n + uint64(c-'0')
			digits++
		case c == '.' && point < 0:
			point = digits
		default:
			return Amount{}, false
		}
	}
	if digits == 0 || digits > 19 {
		return Amount{}, false
	}
	exp := 0
	if point >= 0 {
		exp = point - digits
	}
	return fromU128(neg, u128{lo: n}, int32(exp), true), true
}

func parseBig(s string) (*Big, error) {
	d := new(Big)
	t := s
	if strings.HasPrefix(t, "-") {
		d.neg, t = true, t[1:]
	} else if strings.HasPrefix(t, "+") {
		t = t[1:]
	}
	var exp int64
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		e, err := strconv.ParseInt(t[i+1:], 10, 32)
		if err != nil || e > parseLimit || e < -parseLimit {
			return nil, fmt.Errorf("exponent %q", t[i+1:])
		}
		exp, t = e, t[:i]
	}
	if i := strings.IndexByte(t, '.'); i >= 0 {
		frac := len(t) - i - 1
		if frac > parseLimit {
			return nil, fmt.Errorf("too many digits")
		}
		exp -= int64(frac)
		t = t[:i] + t[i+1:]
	}
	if t == "" {
		return nil, fmt.Errorf("no digits")
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return nil, fmt.Errorf("not a digit: %q", t[i])
		}
	}
	if len(t) <= 18 {
		n, _ := strconv.ParseUint(t, 10, 64)
		d.coef.SetUint64(n)
	} else if _, ok := d.coef.SetString(t, 10); !ok {
		return nil, fmt.Errorf("digits %q", t)
	}
	if adj := exp + int64(numDigits(&d.coef)) - 1; adj > parseLimit || adj < -parseLimit {
		return nil, fmt.Errorf("exponent out of range")
	}
	d.exp = int32(exp)
	return d, nil
}

// bigOf returns a's value in the big form: a's own, or a new one.
func (a Amount) bigOf() *Big {
	if a.big != nil {
		return a.big
	}
	d := new(Big)
	neg, c, exp, _ := a.parts128()
	setU128Big(&d.coef, c)
	d.neg, d.exp = neg && c != (u128{}), exp
	return d
}

func setU128Big(z *big.Int, c u128) {
	z.SetUint64(c.hi)
	z.Lsh(z, 64)
	z.Or(z, new(big.Int).SetUint64(c.lo))
}

// fromBig returns the Amount of d (a Decimal if dec, an int otherwise), in
// the form its size calls for; d is kept (not copied) when it stays big.
func fromBig(d *Big, dec bool) Amount {
	if !dec && d.exp != 0 {
		// An int is always held with exponent 0.
		return fromBig(quantize0(d, false), false)
	}
	if d.coef.BitLen() <= 128 && exponentFits(d.exp) {
		var c u128
		if w := d.coef.Bits(); len(w) > 0 {
			// math/big's words are 64 bits on the platforms bilancio builds for.
			c.lo = uint64(w[0])
			if len(w) > 1 {
				c.hi = uint64(w[1])
			}
		}
		return fromU128(d.neg, c, d.exp, dec)
	}
	return Amount{meta: metaOf(0, dec), big: d}
}

func exponentFits(e int32) bool { return e >= math.MinInt32/2 && e <= math.MaxInt32/2 }

// pow10Big returns 10^n.
func pow10Big(n int64) *big.Int {
	if n < 20 {
		return new(big.Int).SetUint64(pow10u64(int(n)))
	}
	if n < int64(len(pow10WideTable)) && bits.UintSize == 64 {
		// Two words, from the table (big.Int.Exp costs thousands of
		// instructions, and Quo of 28-digit values asks for these).
		c := pow10u128(int(n))
		return new(big.Int).SetBits([]big.Word{big.Word(c.lo), big.Word(c.hi)})
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
}

// numDigits returns the number of decimal digits of c ≥ 0 (1 for zero).
func numDigits(c *big.Int) int {
	if c.IsUint64() {
		return max(1, u128{lo: c.Uint64()}.digits())
	}
	// b bits hold floor(b·log10 2) or one more digits.
	n := int64(float64(c.BitLen())*0.30102999566398120) + 1
	if c.CmpAbs(pow10Big(n-1)) < 0 {
		n--
	}
	return int(n)
}

// adjusted returns d's adjusted exponent: the exponent of its first digit.
func (d *Big) adjusted() int64 { return int64(d.exp) + int64(numDigits(&d.coef)) - 1 }

// roundBig returns ±c·10^exp rounded to p digits, half to even; sticky says
// that the exact value lies (by less than a unit of c's last digit) beyond
// c, away from zero. p = 0 leaves it exact.
func roundBig(neg bool, c *big.Int, exp int64, p int, sticky bool) *Big {
	r := &Big{neg: neg}
	if nd := numDigits(c); p > 0 && nd > p {
		drop := int64(nd - p)
		div := pow10Big(drop)
		var rem big.Int
		c, _ = new(big.Int).QuoRem(c, div, &rem)
		rem.Lsh(&rem, 1)
		switch half := rem.Cmp(div); {
		case half > 0, half == 0 && (sticky || c.Bit(0) == 1):
			c.Add(c, big.NewInt(1))
			if numDigits(c) > p {
				c.Quo(c, big.NewInt(10)) // 10^p: one digit too many
				drop++
			}
		}
		exp += drop
	}
	r.coef.Set(c)
	r.exp = int32(exp)
	if r.coef.Sign() == 0 {
		r.neg = false
	}
	return r
}

// precisionOf returns the rounding precision of an operation: Precision for
// a Decimal result, none (exact) for a Python int.
func precisionOf(dec bool) int {
	if dec {
		return Precision
	}
	return 0
}

// addBig returns x + y (x - y if sub), rounded to p digits (exact if 0).
func addBig(x, y *Big, sub bool, p int) *Big {
	yneg := y.neg != sub
	if p > 0 && x.coef.Sign() != 0 && y.coef.Sign() != 0 {
		// An operand far below the other's last kept digit only decides the
		// rounding, as any value of its sign that far below would: it is
		// replaced by one unit three places below that limit, so that an
		// exponent gap of any size costs nothing.
		ax, ay := x.adjusted(), y.adjusted()
		if ax >= ay {
			if limit := min(int64(x.exp), ax-int64(p)); ay < limit-2 {
				y = &Big{exp: int32(limit - 3)}
				y.coef.SetInt64(1)
			}
		} else if limit := min(int64(y.exp), ay-int64(p)); ax < limit-2 {
			x = &Big{neg: x.neg, exp: int32(limit - 3)}
			x.coef.SetInt64(1)
		}
	}
	exp := min(x.exp, y.exp)
	cx := scaled(&x.coef, int64(x.exp)-int64(exp))
	cy := scaled(&y.coef, int64(y.exp)-int64(exp))
	if x.neg {
		cx.Neg(cx)
	}
	if yneg {
		cy.Neg(cy)
	}
	s := cx.Add(cx, cy)
	neg := s.Sign() < 0
	return roundBig(neg, s.Abs(s), int64(exp), p, false)
}

// scaled returns a new c·10^n, n ≥ 0.
func scaled(c *big.Int, n int64) *big.Int {
	if n == 0 {
		return new(big.Int).Set(c)
	}
	return new(big.Int).Mul(c, pow10Big(n))
}

// mulBig returns x · y rounded to p digits (exact if 0).
func mulBig(x, y *Big, p int) *Big {
	c := new(big.Int).Mul(&x.coef, &y.coef)
	return roundBig(x.neg != y.neg, c, int64(x.exp)+int64(y.exp), p, false)
}

// quoBig returns x / y as Python divides Decimals: rounded to Precision
// digits when inexact; when exact, at the exponent nearest the ideal one
// (exp(x) - exp(y)) that holds it in Precision digits. y is not zero.
func quoBig(x, y *Big) *Big {
	ideal := int64(x.exp) - int64(y.exp)
	neg := x.neg != y.neg
	if x.coef.Sign() == 0 {
		return &Big{exp: int32(ideal)}
	}
	// Enough digits for Precision + 1 of the quotient.
	shift := max(0, int64(Precision+1-numDigits(&x.coef)+numDigits(&y.coef)))
	var r big.Int
	q, _ := new(big.Int).QuoRem(scaled(&x.coef, shift), &y.coef, &r)
	exp := ideal - shift
	if r.Sign() != 0 {
		return roundBig(neg, q, exp, Precision, true)
	}
	ten, digit := big.NewInt(10), new(big.Int)
	for exp < ideal {
		z, m := new(big.Int).QuoRem(q, ten, digit)
		if m.Sign() != 0 {
			break
		}
		q = z
		exp++
	}
	return roundBig(neg, q, exp, Precision, false)
}

// cmpBig compares x and y.
func cmpBig(x, y *Big) int {
	sx, sy := x.sign(), y.sign()
	switch {
	case sx != sy:
		if sx < sy {
			return -1
		}
		return 1
	case sx == 0:
		return 0
	}
	var m int // compare the magnitudes
	if ax, ay := x.adjusted(), y.adjusted(); ax != ay {
		m = 1
		if ax < ay {
			m = -1
		}
	} else {
		exp := min(x.exp, y.exp)
		m = scaled(&x.coef, int64(x.exp)-int64(exp)).Cmp(scaled(&y.coef, int64(y.exp)-int64(exp)))
	}
	return m * sx
}

func (d *Big) sign() int {
	switch {
	case d.coef.Sign() == 0:
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// quantize0 returns the int d truncated toward zero (halfEven false) or
// rounded half to even, at exponent 0.
func quantize0(d *Big, halfEven bool) *Big {
	if d.exp >= 0 {
		return &Big{coef: *scaled(&d.coef, int64(d.exp)), neg: d.neg && d.coef.Sign() != 0}
	}
	div := pow10Big(-int64(d.exp))
	var rem big.Int
	q, _ := new(big.Int).QuoRem(&d.coef, div, &rem)
	if halfEven {
		rem.Lsh(&rem, 1)
		if h := rem.Cmp(div); h > 0 || h == 0 && q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	r := &Big{neg: d.neg && q.Sign() != 0}
	r.coef.Set(q)
	return r
}

// text returns d's digits and exponent spelled out, appending to buf.
func (d *Big) spell(buf []byte) spelled {
	return spelled{neg: d.neg, digits: appendCoeff(buf, &d.coef), exp: int(d.exp)}
}

// FromCoefficient returns the Decimal (dec) or the int coef·10^exp (an int
// is truncated to exponent 0).
func FromCoefficient(coef *big.Int, exp int32, dec bool) Amount {
	d := &Big{neg: coef.Sign() < 0, exp: exp}
	d.coef.Abs(coef)
	return fromBig(d, dec)
}

// Coefficient returns a's signed coefficient and exponent, a = coef·10^exp,
// in a new big.Int the caller may modify.
func (a Amount) Coefficient() (coef *big.Int, exp int32) {
	b := a.bigOf()
	coef = new(big.Int).Set(&b.coef)
	if b.neg {
		coef.Neg(coef)
	}
	return coef, b.exp
}

// Normalize returns Python's Decimal(a).normalize(): rounded to Precision
// digits, trailing zeros stripped, and zero as plain 0. The result is a
// Decimal.
func Normalize(a Amount) Amount {
	if a.small() {
		if a.coef == 0 {
			return Dec(0, 0)
		}
		c, e := a.coef, a.exp()
		for c%10 == 0 {
			c /= 10
			e++
		}
		if exponentFits(e) {
			return Dec(c, e)
		}
	}
	b := a.bigOf()
	if b.coef.Sign() == 0 {
		return Dec(0, 0)
	}
	r := roundBig(b.neg, &b.coef, int64(b.exp), Precision, false)
	ten, q, m := big.NewInt(10), new(big.Int), new(big.Int)
	for {
		q.QuoRem(&r.coef, ten, m)
		if m.Sign() != 0 {
			break
		}
		r.coef.Set(q)
		r.exp++
	}
	return fromBig(r, true)
}
