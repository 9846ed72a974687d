package pynum

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"

	"github.com/cockroachdb/apd/v3"
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
func pow10u64(n int) uint64 {
	p := uint64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// pow10u128 returns 10^n for 0 ≤ n ≤ 38.
func pow10u128(n int) u128 {
	if n <= 19 {
		return u128{lo: pow10u64(n)}
	}
	hi, lo := bits.Mul64(pow10u64(19), pow10u64(n-19))
	return u128{hi, lo}
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

// decimalFromU128 returns the Decimal ±c·10^exp.
func decimalFromU128(neg bool, c u128, exp int32) Amount {
	if c.hi == 0 && c.lo <= math.MaxInt64 {
		n := int64(c.lo)
		if neg {
			n = -n
		}
		return Dec(n, exp)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], c.hi)
	binary.BigEndian.PutUint64(b[8:], c.lo)
	d := &apd.Decimal{Negative: neg, Exponent: exp}
	d.Coeff.SetBytes(b[:])
	return Amount{dec: true, big: d}
}

// uabs returns |c| as a uint64 (also for math.MinInt64).
func uabs(c int64) uint64 {
	if c < 0 {
		return -uint64(c)
	}
	return uint64(c)
}
