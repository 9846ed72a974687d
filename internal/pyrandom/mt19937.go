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
	r := &Random{}
	r.initGenrand(initialSeed)
	mt := &r.mt
	i, j := 1, 0
	for k := max(stateSize, len(key)); k > 0; k-- {
		prev := mt[i-1] ^ (mt[i-1] >> 30)
		mt[i] = (mt[i] ^ (prev * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= stateSize {
			mt[0] = mt[stateSize-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k := stateSize - 1; k > 0; k-- {
		prev := mt[i-1] ^ (mt[i-1] >> 30)
		mt[i] = (mt[i] ^ (prev * 1566083941)) - uint32(i)
		i++
		if i >= stateSize {
			mt[0] = mt[stateSize-1]
			i = 1
		}
	}
	mt[0] = upperMask // a non-zero initial state is assured
	return r
}

// initGenrand fills the state from a single 32-bit seed (MT19937's
// init_genrand) and marks it as used up.
func (r *Random) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < stateSize; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.index = stateSize
}

// Uint32 returns the next 32-bit output of the generator (genrand_uint32).
func (r *Random) Uint32() uint32 {
	if r.index >= stateSize {
		r.regenerate()
	}
	y := r.mt[r.index]
	r.index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// regenerate computes the next 624 words of state.
func (r *Random) regenerate() {
	mt := &r.mt
	twist := func(i, next, far int) {
		y := (mt[i] & upperMask) | (mt[next] & lowerMask)
		v := mt[far] ^ (y >> 1)
		if y&1 != 0 {
			v ^= matrixA
		}
		mt[i] = v
	}
	for i := 0; i < stateSize-shiftSize; i++ {
		twist(i, i+1, i+shiftSize)
	}
	for i := stateSize - shiftSize; i < stateSize-1; i++ {
		twist(i, i+1, i+shiftSize-stateSize)
	}
	twist(stateSize-1, 0, shiftSize-1)
	r.index = 0
}
