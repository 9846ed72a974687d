package pynum

import (
	"cmp"
	"math/bits"
	"strconv"
)

// u128 is an unsigned 128-bit integer, the coefficient of a Decimal of up to
// 38 digits.
type u128 struct{ hi, lo uint64 }

// mulAdd returns c·m + d; callers keep it below 2^128.
func (c u128) mulAdd(m, d uint64) u128 {
	h, l := bits.Mul64(c.lo, m)
	l, carry := bits.Add64(l, d, 0)
	return u128{c.hi*m + h + carry, l}
}

// divRem returns c / d and c % d.
func (c u128) divRem(d uint64) (u128, uint64) {
	hi, r := c.hi/d, c.hi%d
	lo, r := bits.Div64(r, c.lo, d)
	return u128{hi, lo}, r
}

func (c u128) add(d u128) u128 {
	lo, carry := bits.Add64(c.lo, d.lo, 0)
	return u128{c.hi + d.hi + carry, lo}
}

func (c u128) sub(d u128) u128 {
	lo, borrow := bits.Sub64(c.lo, d.lo, 0)
	return u128{c.hi - d.hi - borrow, lo}
}

func (c u128) cmp(d u128) int {
	switch {
	case c.hi != d.hi:
		if c.hi < d.hi {
			return -1
		}
		return 1
	case c.lo < d.lo:
		return -1
	case c.lo > d.lo:
		return 1
	}
	return 0
}

// digits returns the number of decimal digits of c (0 for 0).
func (c u128) digits() int {
	n := bits.Len64(c.lo)
	if c.hi != 0 {
		n = 64 + bits.Len64(c.hi)
	}
	// n·1233/4096 is at most log10(c) + 1 - 1, so counting up from it is exact.
	t := n * 1233 >> 12
	for t < 39 && c.cmp(pow10u128(t)) >= 0 {
		t++
	}
	return t
}

// pow10u64 returns 10^n for 0 ≤ n ≤ 19.
func pow10u64(n int) uint64 { return pow10Table[n] }

// pow10Table holds 10^0 … 10^19; it is never modified.
var pow10Table = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// pow10u128 returns 10^n for 0 ≤ n ≤ 38.
func pow10u128(n int) u128 { return pow10WideTable[n] }

// pow10WideTable holds 10^0 … 10^38; it is never modified.
var pow10WideTable = func() (t [39]u128) {
	for n := range t {
		if n <= 19 {
			t[n] = u128{lo: pow10u64(n)}
		} else {
			t[n].hi, t[n].lo = bits.Mul64(pow10u64(19), pow10u64(n-19))
		}
	}
	return t
}()

// divPow10 returns c / 10^k, truncated, and how the remainder compares with
// half of 10^k: -1 below, 0 a tie, +1 above (for k = 0: -1, no remainder).
func divPow10(c u128, k int) (q u128, half int) {
	switch {
	case k == 0:
		return c, -1
	case k <= 19:
		p := pow10u64(k)
		q, r := c.divRem(p)
		return q, cmp.Compare(r, p/2)
	case k <= 38:
		// c = (q·10^(k-19) + r2)·10^19 + r1; half = 5·10^(k-20)·10^19.
		q1, r1 := c.divRem(pow10u64(19))
		q, r2 := q1.divRem(pow10u64(k - 19))
		half := cmp.Compare(r2, 5*pow10u64(k-20))
		if half == 0 && r1 != 0 {
			half = 1
		}
		return q, half
	}
	// c < 2^128 < 10^39 ≤ 10^k: the quotient is 0; the remainder c is below
	// 5·10^(k-1) ≥ 5·10^38 > 2^128.
	return u128{}, -1
}

// appendWords appends the decimal digits of the 256-bit number w (least
// significant word first).
func appendWords(dst []byte, w [4]uint64) []byte {
	var chunks [5]uint64 // base 10^19 digits, least significant first
	n := 0
	for top := len(w) - 1; top >= 0; {
		if w[top] == 0 {
			top--
			continue
		}
		var r uint64
		for i := top; i >= 0; i-- {
			w[i], r = bits.Div64(r, w[i], 1e19)
		}
		chunks[n] = r
		n++
	}
	if n == 0 {
		return append(dst, '0')
	}
	dst = strconv.AppendUint(dst, chunks[n-1], 10)
	for i := n - 2; i >= 0; i-- {
		dst = appendPadded(dst, chunks[i], 19)
	}
	return dst
}

// appendU128 appends the decimal digits of c.
func appendU128(dst []byte, c u128) []byte {
	if c.hi == 0 {
		return strconv.AppendUint(dst, c.lo, 10)
	}
	q, r := c.divRem(1e19) // c < 2^128 < 10^39: q < 10^20
	if q.hi == 0 {
		dst = strconv.AppendUint(dst, q.lo, 10)
	} else {
		q2, r2 := q.divRem(1e19)
		dst = strconv.AppendUint(dst, q2.lo, 10)
		dst = appendPadded(dst, r2, 19)
	}
	return appendPadded(dst, r, 19)
}

// decimalFromU128 returns the Decimal ±c·10^exp.
func decimalFromU128(neg bool, c u128, exp int32) Amount { return fromU128(neg, c, exp, true) }

// uabs returns |c| as a uint64 (also for math.MinInt64).
func uabs(c int64) uint64 {
	if c < 0 {
		return -uint64(c)
	}
	return uint64(c)
}
