package pyrandom

import (
	"fmt"
	"math/bits"
)

// Random returns the next float in [0, 1) as random.random() does: 53 random
// bits from two 32-bit outputs, (a·2²⁶ + b) / 2⁵³ with a the top 27 bits of
// the first and b the top 26 bits of the second.
func (r *Random) Random() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(float64(a)*67108864.0) + float64(b)) * (1.0 / 9007199254740992.0)
}

// Getrandbits returns a k-bit random integer (0 ≤ k ≤ 64) as
// random.getrandbits(k) does: for k ≤ 32 the top k bits of one output;
// otherwise 32-bit words least significant first, the last one keeping its
// top bits. It panics if k is out of range.
func (r *Random) Getrandbits(k int) uint64 {
	switch {
	case k < 0 || k > 64:
		panic(fmt.Sprintf("pyrandom: Getrandbits(%d): k must be in [0, 64]", k))
	case k == 0:
		return 0
	case k <= 32:
		return uint64(r.Uint32() >> (32 - k))
	}
	lo := uint64(r.Uint32())
	hi := uint64(r.Uint32() >> (64 - k))
	return lo | hi<<32
}

// Randrange returns an int in [0, n) as random.randrange(n) does (CPython's
// _randbelow_with_getrandbits): with k the bit length of n itself, it draws
// getrandbits(k) until the value is below n. It panics if n ≤ 0, as
// math/rand.Intn does.
func (r *Random) Randrange(n int) int {
	if n <= 0 {
		panic(fmt.Sprintf("pyrandom: Randrange(%d): empty range", n))
	}
	k := bits.Len64(uint64(n))
	for {
		if v := r.Getrandbits(k); v < uint64(n) {
			return int(v)
		}
	}
}

// Shuffle permutes n elements as random.shuffle(x) does with len(x) = n: for
// i from n−1 down to 1 it swaps elements i and Randrange(i+1).
func (r *Random) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.Randrange(i+1))
	}
}
