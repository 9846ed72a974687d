package pyrandom

import "math/big"

// MT19937 parameters (Matsumoto and Nishimura's reference implementation, as
// in CPython's Modules/_randommodule.c).
const (
	stateSize   = 624
	shiftSize   = 397
	matrixA     = 0x9908b0df
	upperMask   = 0x80000000
	lowerMask   = 0x7fffffff
	initialSeed = 19650218
)

// Random is one stream of CPython's random.Random. Its zero value is not
// usable: create it with New or NewBig. A Random is not safe for concurrent
// use.
type Random struct {
	mt    [stateSize]uint32
	index int
}

// New returns the stream of random.Random(seed) for a Python int seed. As in
// CPython, the seed's sign is ignored.
func New(seed int64) *Random {
	if seed == 42 || seed == -42 {
		return &Random{mt: seed42, index: stateSize}
	}
	u := uint64(seed)
	if seed < 0 {
		u = -u // two's complement also gets |math.MinInt64| right
	}
	key := []uint32{uint32(u)}
	if hi := uint32(u >> 32); hi != 0 {
		key = append(key, hi)
	}
	return NewKey(key)
}

// NewBig returns the stream of random.Random(seed) for an arbitrarily large
// Python int seed (its absolute value is used).
func NewBig(seed *big.Int) *Random {
	n := new(big.Int).Abs(seed)
	var key []uint32
	mask := big.NewInt(0xffffffff)
	var word big.Int
	for n.Sign() > 0 {
		key = append(key, uint32(word.And(n, mask).Uint64()))
		n.Rsh(n, 32)
	}
	if len(key) == 0 {
		key = []uint32{0}
	}
	return NewKey(key)
}

// NewKey seeds the generator with MT19937's init_by_array from key, the
// seed's 32-bit words least significant first, as CPython does for an int
// seed. key must not be empty.
func NewKey(key []uint32) *Random {
	r := &Random{mt: genrandInitial, index: stateSize}
	mt := &r.mt
	// prev is word i−1, carried from one step to the next.
	i, j, prev := 1, 0, mt[0]
	for k := max(stateSize, len(key)); k > 0; k-- {
		prev = (mt[i] ^ ((prev ^ prev>>30) * 1664525)) + key[j] + uint32(j)
		mt[i] = prev
		if i++; i >= stateSize {
			mt[0], i = prev, 1
		}
		if j++; j >= len(key) {
			j = 0
		}
	}
	for k := stateSize - 1; k > 0; k-- {
		prev = (mt[i] ^ ((prev ^ prev>>30) * 1566083941)) - uint32(i)
		mt[i] = prev
		if i++; i >= stateSize {
			mt[0], i = prev, 1
		}
	}
	mt[0] = upperMask // a non-zero initial state is assured
	return r
}

// genrandInitial is the state init_genrand(19650218) leaves, where
// init_by_array starts from whatever the key: computed once, never modified.
var genrandInitial = initGenrand(initialSeed)

// initGenrand returns the state MT19937's init_genrand fills from a single
// 32-bit seed.
func initGenrand(s uint32) [stateSize]uint32 {
	var mt [stateSize]uint32
	mt[0] = s
	for i := 1; i < stateSize; i++ {
		mt[i] = 1812433253*(mt[i-1]^(mt[i-1]>>30)) + uint32(i)
	}
	return mt
}

// Uint32 returns the next 32-bit output of the generator (genrand_uint32).
//
// The reference implementation computes the next 624 words of state at
// once when the last ones are used up; here each word is computed just
// before it is output (twist). The words come out the same: word i of a
// round is made from words i and i+1 of the previous round (not yet
// replaced, as they come later) and word i+397, which is of the previous
// round for i < 227 and, for i ≥ 227, the new word i−227, already made —
// as in the reference's in-place loop. A run that draws a handful of
// numbers (bilancio's ring generator) so skips most of the work.
func (r *Random) Uint32() uint32 {
	if r.index >= stateSize {
		r.index = 0
	}
	r.twist(r.index)
	y := r.mt[r.index]
	r.index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// twist computes word i of the next round of state in place (MT19937's
// generation step for one word).
func (r *Random) twist(i int) {
	next, far := i+1, i+shiftSize
	if next == stateSize {
		next = 0
	}
	if far >= stateSize {
		far -= stateSize
	}
	y := (r.mt[i] & upperMask) | (r.mt[next] & lowerMask)
	v := r.mt[far] ^ (y >> 1)
	if y&1 != 0 {
		v ^= matrixA
	}
	r.mt[i] = v
}
